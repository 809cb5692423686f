package org.squeezebertmobile.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.squeezebertmobile.core.Fixtures;

/** Behaviours the app depends on, each pinned with a small example (ids from bert-base-uncased). */
class WordPieceTokenizerTest {
  private static WordPieceTokenizer tokenizer() throws IOException {
    return new WordPieceTokenizer(Fixtures.vocab());
  }

  @Test
  void wrapsTextInClsAndSep() throws IOException {
    assertArrayEquals(new int[] {101, 7592, 2088, 102}, tokenizer().encode("Hello world", 16).ids());
  }

  @Test
  void emptyTextIsJustClsAndSep() throws IOException {
    Encoding e = tokenizer().encode("", 16);
    assertArrayEquals(new int[] {101, 102}, e.ids());
    assertFalse(e.isTruncated());
  }

  @Test
  void literalMaskTokenIsRecognisedButLowercaseIsNot() throws IOException {
    Encoding e = tokenizer().encode("a[MASK]b [mask]", 16);
    assertEquals(103, e.id(2));
    assertEquals(1, e.start(2), "[MASK] starts after \"a\"");
    assertEquals(7, e.end(2));
    assertFalse(Arrays.stream(e.ids()).skip(3).anyMatch(id -> id == 103), "[mask] is text");
  }

  @Test
  void splitsSubwordsWithWordIdsAndOffsets() throws IOException {
    // "unaffable" -> una ##ffa ##ble, one word; "!" is its own word.
    Encoding e = tokenizer().encode("unaffable!", 16);
    assertArrayEquals(new int[] {101, 14477, 20961, 3468, 999, 102}, e.ids());
    assertArrayEquals(new int[] {-1, 0, 0, 0, 1, -1}, e.wordIds());
    assertEquals(0, e.start(1));
    assertEquals(3, e.end(1));
    assertEquals(6, e.start(3));
    assertEquals(9, e.end(3));
  }

  @Test
  void wordOverOneHundredCharactersBecomesOneUnknownSpanningIt() throws IOException {
    String word = "a".repeat(101);
    Encoding e = tokenizer().encode(word + " ok", 16);
    assertEquals(100, e.id(1));
    assertEquals(0, e.start(1));
    assertEquals(101, e.end(1));
    assertEquals(7929, e.id(2));
  }

  @Test
  void astralCharactersKeepUtf16Offsets() throws IOException {
    // U+1F600 is two UTF-16 units: the token after it starts at index 3, not 2.
    Encoding e = tokenizer().encode("😀 ok", 16);
    assertEquals(0, e.start(1));
    assertEquals(2, e.end(1));
    assertEquals(3, e.start(2));
    assertEquals(5, e.end(2));
  }

  @Test
  void accentsAreStrippedAndOffsetsCoverTheOriginalCharacters() throws IOException {
    Encoding plain = tokenizer().encode("cafe", 16);
    Encoding decomposed = tokenizer().encode("Cafe\u0301", 16);
    assertArrayEquals(plain.ids(), decomposed.ids());
    assertEquals(4, decomposed.end(decomposed.length() - 2), "mark is dropped from the span");
  }

  @Test
  void truncationKeepsClsAndSepAndReportsIt() throws IOException {
    Encoding e = tokenizer().encode("The quick brown fox jumps over the lazy dog", 5);
    assertArrayEquals(new int[] {101, 1996, 4248, 2829, 102}, e.ids());
    assertTrue(e.isTruncated());
    assertEquals(11, e.untruncatedLength());
  }

  @Test
  void maxLengthBelowTwoIsRejected() throws IOException {
    WordPieceTokenizer t = tokenizer();
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> t.encode("x", 1));
    assertTrue(error.getMessage().contains("[CLS] and [SEP]"));
  }

  @Test
  void vocabWithoutUnknownTokenIsRejected() {
    ByteArrayInputStream in =
        new ByteArrayInputStream("[PAD]\n[CLS]\n[SEP]\nhello\n".getBytes(StandardCharsets.UTF_8));
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> Vocab.load(in));
    assertTrue(error.getMessage().contains("[UNK]"));
  }

  @Test
  void missingVocabFileNamesTheFileAndTheFix() {
    NoSuchFileException error =
        assertThrows(NoSuchFileException.class, () -> Vocab.load(Paths.get("/no/such/vocab.txt")));
    assertTrue(error.getMessage().contains("/no/such/vocab.txt"));
    assertTrue(error.getMessage().contains("vocab.txt of the exported task"));
  }

  @Test
  void unicodeTablesFollowTheReferenceNotTheJvm() {
    UnicodeTables t = UnicodeTables.bert();
    // U+166D CANADIAN SYLLABICS CHI SIGN became a symbol (So) in Unicode 12; the reference still
    // treats it as punctuation, and so must we.
    assertTrue(t.isPunctuation(0x166D));
    assertTrue(t.isPunctuation('$'));
    assertFalse(t.isPunctuation('a'));
    assertTrue(t.isDropped(0x200B));
    assertTrue(t.isDropped(0xD800), "lone surrogates are dropped like category Cs");
    assertTrue(t.isCleanedToSpace(0x3000));
    assertTrue(t.isCjk(0x4E2D));
    assertTrue(t.isNonspacingMark(0x0301));
    assertEquals(230, t.combiningClass(0x0301));
    IntList out = new IntList();
    t.decompose(0x00E9, out);
    assertArrayEquals(new int[] {'e', 0x0301}, out.toArray());
    out.clear();
    t.decompose(0xD55C, out); // Hangul syllable HAN
    assertArrayEquals(new int[] {0x1112, 0x1161, 0x11AB}, out.toArray());
    out.clear();
    t.lowercase(0x0130, out);
    assertArrayEquals(new int[] {'i', 0x0307}, out.toArray());
    out.clear();
    t.lowercase(0x0100, out); // Latin Extended-A alternates upper/lower
    assertArrayEquals(new int[] {0x0101}, out.toArray());
    out.clear();
    t.lowercase(0x0101, out);
    assertArrayEquals(new int[] {0x0101}, out.toArray());
  }
}
