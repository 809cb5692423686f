package org.squeezebertmobile.core.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.squeezebertmobile.core.Fixtures;
import org.squeezebertmobile.core.json.JsonException;
import org.squeezebertmobile.core.tokenizer.Encoding;
import org.squeezebertmobile.core.tokenizer.Vocab;
import org.squeezebertmobile.core.tokenizer.WordPieceTokenizer;

class TasksTest {
  private static final String NER_JSON =
      "{\"task\": \"ner\", \"task_type\": \"token-classification\", \"max_length\": 100,"
          + " \"max_seq_len\": 512, \"input_names\": [\"input_ids\", \"attention_mask\"],"
          + " \"input_dtype\": \"int64\", \"output_name\": \"logits\","
          + " \"labels\": [\"O\", \"B-PER\", \"I-PER\"], \"do_lower_case\": true,"
          + " \"vocab_file\": \"vocab.txt\", \"special_tokens\": {\"pad\": 0, \"unk\": 100,"
          + " \"cls\": 101, \"sep\": 102, \"mask\": 103}, \"mask_token_id\": 103,"
          + " \"artifacts\": {\"fp32\": \"sq_xnnpack_fp32.pte\", \"int8\": \"sq_xnnpack_q8.pte\"},"
          + " \"files\": {\"sq_xnnpack_q8.pte\": {\"name\": \"sq\", \"backend\": \"xnnpack\","
          + " \"quantization\": \"q8\"}}}";

  @Test
  void taskJsonContractIsRead() {
    TaskConfig c = TaskConfig.parse(NER_JSON);
    assertEquals("ner", c.task());
    assertEquals(TaskType.TOKEN_CLASSIFICATION, c.taskType());
    assertEquals(100, c.maxLength());
    assertEquals(512, c.maxSeqLen());
    assertEquals(List.of("O", "B-PER", "I-PER"), c.labels());
    assertEquals("vocab.txt", c.vocabFile());
    assertEquals(102, c.specialTokens().get("sep"));
    assertEquals("sq_xnnpack_q8.pte", c.artifacts().get("int8"));
    assertEquals("q8", c.files().get("sq_xnnpack_q8.pte").get("quantization"));
  }

  @Test
  void invalidTaskJsonNamesTheProblem() {
    JsonException e =
        assertThrows(JsonException.class,
            () -> TaskConfig.parse(NER_JSON.replace("\"max_seq_len\": 512", "\"max_seq_len\": 50")));
    assertTrue(e.getMessage().contains("max_seq_len"));
    IllegalArgumentException type =
        assertThrows(IllegalArgumentException.class,
            () -> TaskConfig.parse(NER_JSON.replace("token-classification", "qa")));
    assertTrue(type.getMessage().contains("task_type 'qa'"));
    assertThrows(JsonException.class,
        () -> TaskConfig.parse(NER_JSON.replace("[\"O\", \"B-PER\", \"I-PER\"]", "[]")));
  }

  @Test
  void missingTaskJsonSaysWhatToCopy(@TempDir Path dir) throws IOException {
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> TaskConfig.load(dir));
    assertTrue(e.getMessage().contains("export.build"));
    Files.write(dir.resolve("task.json"), "{".getBytes(StandardCharsets.UTF_8));
    IOException bad = assertThrows(IOException.class, () -> TaskConfig.load(dir));
    assertTrue(bad.getMessage().contains("task.json is invalid"));
  }

  @Test
  void softmaxIsStableForLargeLogits() {
    double[] p = Softmax.of(new float[] {1000f, 1000f, 0f}, 0, 3);
    assertEquals(0.5, p[0], 1e-12);
    assertEquals(0.5, p[1], 1e-12);
    assertEquals(0.0, p[2], 1e-12);
    assertEquals(0, Softmax.argmax(new float[] {3f, 3f, 1f}, 0, 3), "first index wins ties");
  }

  @Test
  void newsRankingRejectsALabelCountMismatch() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> SequenceClassification.rank(new float[] {1f, 2f}, List.of("a", "b", "c")));
    assertTrue(e.getMessage().contains("3 labels"));
  }

  @Test
  void fillMaskFindsEveryMaskAndRanksCandidates() throws IOException {
    Vocab vocab = Fixtures.vocab();
    Encoding enc = new WordPieceTokenizer(vocab).encode("[MASK] is [MASK]", 16);
    assertArrayEquals(new int[] {1, 3}, FillMask.maskPositions(enc.ids(), 103));
    long[] positions = FillMask.positionsInput(enc.ids(), 103);
    assertArrayEquals(new long[] {1, 3}, positions);
    int v = vocab.size();
    float[] logits = new float[positions.length * v]; // [1, M, V]: the masked rows only
    logits[0 * v + 2003] = 5f; // "is" at the first mask
    logits[0 * v + 2009] = 4f; // "it"
    logits[1 * v + 2307] = 7f; // "great" at the second
    List<MaskPrediction> out = FillMask.predict(positions, logits, 2, vocab);
    assertEquals(2, out.size());
    assertEquals(1, out.get(0).position());
    assertEquals(3, out.get(1).position());
    assertEquals("is", out.get(0).candidates().get(0).token());
    assertEquals("it", out.get(0).candidates().get(1).token());
    assertEquals("great", out.get(1).candidates().get(0).token());
    double expected = Math.exp(7) / (Math.exp(7) + (v - 1)); // all other logits are 0
    assertEquals(expected, out.get(1).candidates().get(0).probability(), 1e-12);
    assertThrows(IllegalArgumentException.class,
        () -> FillMask.predict(positions, new float[10], 5, vocab));
    IllegalArgumentException none =
        assertThrows(IllegalArgumentException.class,
            () -> FillMask.positionsInput(new int[] {101, 7, 102}, 103));
    assertTrue(none.getMessage().contains("[MASK]"));
  }

  @Test
  void nerSpansUseFirstSubwordLabelsAndOriginalOffsets() throws IOException {
    String text = "Hi Zoë Schmidtberger!";
    Encoding enc = new WordPieceTokenizer(Fixtures.vocab()).encode(text, 32);
    List<String> labels = List.of("O", "B-PER", "I-PER");
    float[] logits = new float[enc.length() * 3];
    for (int t = 0; t < enc.length(); t++) {
      int word = enc.wordId(t);
      // word 1 = "zoe" -> B-PER, word 2 = "schmidtberger" -> I-PER on its first piece only; later
      // pieces say O, which must be ignored.
      boolean first = t > 0 && enc.wordId(t - 1) != word;
      int label = word == 1 ? 1 : (word == 2 && first ? 2 : 0);
      logits[t * 3 + label] = 1f;
    }
    List<EntitySpan> spans = TokenClassification.entities(text, enc, logits, labels);
    assertEquals(1, spans.size());
    assertEquals("PER", spans.get(0).type());
    assertEquals("Zoë Schmidtberger", spans.get(0).text());
    assertEquals(3, spans.get(0).start());
    assertEquals(20, spans.get(0).end());
  }
}
