package org.squeezebertmobile.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextOffsetsTest {
  private static final String TEXT = "a😀b𠀀c"; // two astral characters, 7 UTF-16 units

  @Test
  void codePointIndicesMapPastAstralCharacters() {
    int[] expected = {0, 1, 3, 4, 6, 7};
    for (int cp = 0; cp < expected.length; cp++) {
      assertEquals(expected[cp], TextOffsets.codePointToUtf16(TEXT, cp));
      assertEquals(cp, TextOffsets.utf16ToCodePoint(TEXT, expected[cp]));
    }
  }

  @Test
  void indicesOutsideTheTextAreRejected() {
    assertThrows(IndexOutOfBoundsException.class, () -> TextOffsets.codePointToUtf16(TEXT, 6));
    assertThrows(IndexOutOfBoundsException.class, () -> TextOffsets.utf16ToCodePoint(TEXT, 8));
  }
}
