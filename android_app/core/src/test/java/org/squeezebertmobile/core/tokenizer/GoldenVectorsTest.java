package org.squeezebertmobile.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.squeezebertmobile.core.Fixtures;
import org.squeezebertmobile.core.json.Json;

/**
 * Exact parity with Hugging Face on {@code tests/fixtures/android/tokenizer_golden.jsonl}: ids,
 * word indices and character offsets of every token, for every golden text.
 */
class GoldenVectorsTest {
  private static final String FILE = "tokenizer_golden.jsonl";

  static List<Map<String, Object>> records() throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(Fixtures.file(FILE), StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (!line.isEmpty()) {
          out.add(Json.parseObject(line));
        }
      }
    }
    return out;
  }

  @Test
  void fixtureCoversRealTextAndHardCases() throws IOException {
    List<Map<String, Object>> records = records();
    long conll = records.stream().filter(r -> source(r).startsWith("conll2003/")).count();
    long news = records.stream().filter(r -> source(r).startsWith("news/")).count();
    long dialog = records.stream().filter(r -> source(r).startsWith("dailydialog/")).count();
    long hard = records.stream().filter(r -> source(r).startsWith("hard/")).count();
    assertTrue(conll >= 50 && news >= 30 && dialog >= 50 && hard >= 60,
        "too few golden records: conll=" + conll + " news=" + news + " dialog=" + dialog
            + " hard=" + hard);
  }

  @TestFactory
  Stream<DynamicTest> javaTokenizerMatchesHuggingFaceExactly() throws IOException {
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Fixtures.vocab());
    return records().stream()
        .map(r -> DynamicTest.dynamicTest(source(r), () -> assertMatches(tokenizer, r)));
  }

  private static String source(Map<String, Object> record) {
    return Json.string(record, "source");
  }

  static void assertMatches(WordPieceTokenizer tokenizer, Map<String, Object> record) {
    String text = Json.string(record, "text");
    Encoding encoding = tokenizer.encode(text, Json.integer(record, "max_length"));
    int[] expectedIds = Json.intArray(record.get("input_ids"), "input_ids");
    assertArrayEquals(expectedIds, encoding.ids(), "ids");

    List<Object> words = Json.array(record.get("word_ids"), "word_ids");
    int[] expectedWords = new int[words.size()];
    for (int i = 0; i < expectedWords.length; i++) {
      expectedWords[i] =
          words.get(i) == null ? Encoding.NO_WORD : Json.toInt(words.get(i), "word_ids");
    }
    assertArrayEquals(expectedWords, encoding.wordIds(), "word ids");

    // The reference reports code point offsets; convert each to a UTF-16 index of the same text.
    List<Object> offsets = Json.array(record.get("offsets"), "offsets");
    assertEquals(offsets.size(), encoding.length(), "offset count");
    for (int i = 0; i < offsets.size(); i++) {
      int[] pair = Json.intArray(offsets.get(i), "offsets[" + i + "]");
      int start = TextOffsets.codePointToUtf16(text, pair[0]);
      int end = TextOffsets.codePointToUtf16(text, pair[1]);
      assertEquals(start, encoding.start(i), "start of token " + i);
      assertEquals(end, encoding.end(i), "end of token " + i);
    }
  }
}
