package org.squeezebertmobile.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.squeezebertmobile.core.Fixtures;

/**
 * 100,000 seeded random strings, drawn to hit what breaks tokenizers: lone and paired surrogates,
 * astral characters, combining marks, CJK, zero-width and control characters, literal special
 * tokens, very long words. No exception may escape, and every encoding must satisfy the
 * invariants the app relies on (ids in the vocab, length within the limit, offsets inside the
 * text, in order, never splitting a surrogate pair, truncation a prefix of the full encoding).
 */
class TokenizerFuzzTest {
  private static final int CASES = 100_000;
  private static final long SEED = 0x5EED_B3A7L;
  private static final int[] MAX_LENGTHS = {2, 3, 5, 16, 128, 512};
  private static final String[] PIECES = {
    "[MASK]", "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK", "##", " ", "  ", "\t", "\n", "\r\n",
    "a", "Z", "the", "é", "e\u0301", "\u0301", "\u0334", "İ", "ß", "中", "日本", "😀", "👨‍👩‍👧",
    "\u200b", "\u200d", "\ufeff", "\u0000", "\ufffd", "\u00a0", "\u3000", ".", ",", "'", "\"",
    "$", "-", "\ud83d", "\ude00", "\udbff\udfff", "\u0e2a\u0e27\u0e31", "\u0928\u092e",
  };

  @Test
  void randomUnicodeNeverThrowsAndKeepsInvariants() throws IOException {
    Vocab vocab = Fixtures.vocab();
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab);
    SplittableRandom rng = new SplittableRandom(SEED);
    for (int c = 0; c < CASES; c++) {
      String text = randomText(rng);
      int maxLength = MAX_LENGTHS[rng.nextInt(MAX_LENGTHS.length)];
      try {
        Encoding encoding = tokenizer.encode(text, maxLength);
        checkInvariants(vocab, text, maxLength, encoding);
        Encoding full = tokenizer.encode(text, Integer.MAX_VALUE);
        checkTruncationIsPrefix(encoding, full);
      } catch (RuntimeException | AssertionError e) {
        fail("case " + c + " " + escape(text) + " (max " + maxLength + "): " + e, e);
      }
    }
  }

  static String randomText(SplittableRandom rng) {
    StringBuilder sb = new StringBuilder();
    int parts = rng.nextInt(0, 24);
    for (int p = 0; p < parts; p++) {
      int kind = rng.nextInt(10);
      if (kind < 3) {
        sb.append(PIECES[rng.nextInt(PIECES.length)]);
      } else if (kind < 6) {
        sb.append((char) rng.nextInt(0, 0x10000)); // any UTF-16 unit, lone surrogates included
      } else if (kind < 8) {
        sb.appendCodePoint(rng.nextInt(0x10000, Character.MAX_CODE_POINT + 1));
      } else if (kind < 9) {
        sb.appendCodePoint(rng.nextInt(0x20, 0x250));
      } else {
        char c = (char) ('a' + rng.nextInt(26));
        sb.append(String.valueOf(c).repeat(rng.nextInt(1, 130)));
      }
    }
    return sb.toString();
  }

  static void checkInvariants(Vocab vocab, String text, int maxLength, Encoding e) {
    int n = e.length();
    assertTrue(n >= 2 && n <= maxLength, "length " + n);
    assertEquals(vocab.clsId(), e.id(0), "[CLS] first");
    assertEquals(vocab.sepId(), e.id(n - 1), "[SEP] last");
    assertEquals(e.isTruncated(), e.untruncatedLength() > n, "truncation flag");
    for (int special : new int[] {0, n - 1}) {
      assertEquals(Encoding.NO_WORD, e.wordId(special));
      assertEquals(0, e.start(special));
      assertEquals(0, e.end(special));
    }
    int prevWord = -1;
    int prevStart = 0;
    int prevEnd = 0;
    for (int i = 1; i < n - 1; i++) {
      assertTrue(e.id(i) >= 0 && e.id(i) < vocab.size(), "id " + e.id(i) + " outside vocab");
      int word = e.wordId(i);
      assertTrue(word == prevWord || word == prevWord + 1, "word ids jump at token " + i);
      prevWord = word;
      int start = e.start(i);
      int end = e.end(i);
      assertTrue(0 <= start && start < end && end <= text.length(),
          "offsets [" + start + "," + end + ") of token " + i);
      assertTrue(start >= prevStart && end >= prevEnd, "offsets go backwards at token " + i);
      prevStart = start;
      prevEnd = end;
      assertTrue(!splitsPair(text, start) && !splitsPair(text, end),
          "offset inside a surrogate pair at token " + i);
    }
  }

  /** A truncated encoding is the full encoding's first tokens, then [SEP]. */
  static void checkTruncationIsPrefix(Encoding truncated, Encoding full) {
    int n = truncated.length();
    assertEquals(full.length(), truncated.untruncatedLength(), "untruncated length");
    assertArrayEquals(
        Arrays.copyOf(full.ids(), n - 1), Arrays.copyOf(truncated.ids(), n - 1), "prefix ids");
    for (int i = 1; i < n - 1; i++) {
      assertEquals(full.start(i), truncated.start(i));
      assertEquals(full.end(i), truncated.end(i));
      assertEquals(full.wordId(i), truncated.wordId(i));
    }
  }

  private static boolean splitsPair(String text, int index) {
    return index > 0 && index < text.length()
        && Character.isHighSurrogate(text.charAt(index - 1))
        && Character.isLowSurrogate(text.charAt(index));
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        sb.append(c);
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb.append('"').toString();
  }
}
