package org.squeezebertmobile.core.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.squeezebertmobile.core.Fixtures;
import org.squeezebertmobile.core.json.Json;
import org.squeezebertmobile.core.tokenizer.Encoding;
import org.squeezebertmobile.core.tokenizer.TextOffsets;
import org.squeezebertmobile.core.tokenizer.Vocab;
import org.squeezebertmobile.core.tokenizer.WordPieceTokenizer;

/**
 * The app's post-processing on model logits for real examples, against results computed
 * independently in Python (numpy softmax/top-k, seqeval entity decoding) and stored in
 * {@code tests/fixtures/android/postproc_<task>.json} by {@code make_postproc_fixtures.py}.
 *
 * <p>Each example is first re-tokenized with the Java tokenizer, which must give the ids the
 * model ran on: the fixture then tests the whole app path from text to result.
 */
class PostprocessingFixtureTest {
  private static final double PROB_TOLERANCE = 1e-9;

  private static Map<String, Object> fixture(String task) throws IOException {
    return Json.parseObject(Fixtures.read("postproc_" + task + ".json"));
  }

  private static Stream<DynamicTest> perExample(String task, Check check) throws IOException {
    Map<String, Object> fixture = fixture(task);
    assertEquals(task, fixture.get("task"));
    List<Object> examples = Json.array(fixture.get("examples"), "examples");
    assertFalse(examples.isEmpty(), "fixture has no examples");
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Fixtures.vocab());
    List<DynamicTest> tests = new ArrayList<>();
    for (Object item : examples) {
      Map<String, Object> example = Json.object(item, "example");
      tests.add(
          DynamicTest.dynamicTest(
              task + " " + Json.string(example, "source"),
              () -> {
                String text = Json.string(example, "text");
                Encoding encoding = tokenizer.encode(text, Json.integer(fixture, "max_length"));
                assertArrayEquals(
                    Json.intArray(example.get("input_ids"), "input_ids"), encoding.ids(),
                    "Java tokenization differs from the ids the model ran on");
                check.run(fixture, example, text, encoding);
              }));
    }
    return tests.stream();
  }

  interface Check {
    void run(Map<String, Object> fixture, Map<String, Object> example, String text, Encoding e)
        throws Exception;
  }

  static float[] floats(String base64) {
    ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64));
    bytes.order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(out);
    return out;
  }

  @TestFactory
  Stream<DynamicTest> newsRankingMatchesNumpySoftmax() throws IOException {
    return perExample(
        "news",
        (fixture, example, text, encoding) -> {
          List<String> labels = Json.stringList(fixture.get("labels"), "labels");
          float[] logits = floats(Json.string(example, "logits_b64"));
          List<LabelScore> ranking = SequenceClassification.rank(logits, labels);
          List<Object> expected =
              Json.array(Json.object(example.get("expected"), "expected").get("ranking"), "r");
          assertEquals(expected.size(), ranking.size());
          for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> e = Json.object(expected.get(i), "ranking[" + i + "]");
            assertEquals(Json.string(e, "label"), ranking.get(i).label());
            assertEquals(Json.integer(e, "index"), ranking.get(i).index());
            assertEquals(Json.number(e, "probability"), ranking.get(i).probability(),
                PROB_TOLERANCE);
          }
        });
  }

  @TestFactory
  Stream<DynamicTest> nerEntitiesMatchSeqevalDecoding() throws IOException {
    return perExample(
        "ner",
        (fixture, example, text, encoding) -> {
          List<String> labels = Json.stringList(fixture.get("labels"), "labels");
          float[] logits = floats(Json.string(example, "logits_b64"));
          List<EntitySpan> spans = TokenClassification.entities(text, encoding, logits, labels);
          List<Object> expected =
              Json.array(Json.object(example.get("expected"), "expected").get("entities"), "e");
          assertEquals(expected.size(), spans.size(), "entities: " + spans);
          for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> e = Json.object(expected.get(i), "entities[" + i + "]");
            EntitySpan span = spans.get(i);
            assertEquals(Json.string(e, "type"), span.type());
            // Python offsets count code points; the app's count UTF-16 units.
            assertEquals(TextOffsets.codePointToUtf16(text, Json.integer(e, "start")),
                span.start());
            assertEquals(TextOffsets.codePointToUtf16(text, Json.integer(e, "end")), span.end());
            assertEquals(Json.string(e, "text"), span.text());
            assertEquals(Json.integer(e, "first_word"), span.firstWord());
            assertEquals(Json.integer(e, "last_word"), span.lastWord());
          }
        });
  }

  @TestFactory
  Stream<DynamicTest> fillMaskTopKMatchesNumpy() throws IOException {
    return perExample(
        "mlm",
        (fixture, example, text, encoding) -> {
          Vocab vocab = Fixtures.vocab();
          int vocabSize = Json.integer(example, "vocab_size");
          assertEquals(vocab.size(), vocabSize);
          int maskId = Json.integer(fixture, "mask_token_id");
          // The model's [1, M, V] output for the positions our own encoding gives it: the
          // fixture stores the rows the .pte returned, in mask_positions order.
          long[] positions = FillMask.positionsInput(encoding.ids(), maskId);
          List<Object> rows = Json.array(example.get("mask_logits"), "mask_logits");
          assertEquals(rows.size(), positions.length);
          float[] logits = new float[positions.length * vocabSize];
          Arrays.fill(logits, Float.NaN);
          for (int m = 0; m < rows.size(); m++) {
            Map<String, Object> r = Json.object(rows.get(m), "mask row");
            assertEquals(positions[m], Json.integer(r, "position"));
            float[] values = floats(Json.string(r, "logits_b64"));
            System.arraycopy(values, 0, logits, m * vocabSize, vocabSize);
          }
          List<MaskPrediction> predictions =
              FillMask.predict(positions, logits, Json.integer(fixture, "top_k"), vocab);
          List<Object> expected =
              Json.array(Json.object(example.get("expected"), "expected").get("predictions"),
                  "predictions");
          assertEquals(expected.size(), predictions.size());
          assertTrue(predictions.size() >= 1, "example without [MASK]");
          for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> e = Json.object(expected.get(i), "predictions[" + i + "]");
            MaskPrediction p = predictions.get(i);
            assertEquals(Json.integer(e, "position"), p.position());
            List<Object> top = Json.array(e.get("top"), "top");
            assertEquals(top.size(), p.candidates().size());
            for (int k = 0; k < top.size(); k++) {
              Map<String, Object> t = Json.object(top.get(k), "top[" + k + "]");
              TokenScore c = p.candidates().get(k);
              assertEquals(Json.integer(t, "id"), c.id());
              assertEquals(Json.string(t, "token"), c.token());
              assertEquals(Json.number(t, "probability"), c.probability(), PROB_TOLERANCE);
            }
          }
        });
  }
}
