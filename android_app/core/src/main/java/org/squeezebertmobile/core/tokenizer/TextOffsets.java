package org.squeezebertmobile.core.tokenizer;

/**
 * Converts between UTF-16 indices (Java strings, {@link Encoding}) and code point indices (Python
 * strings, the reference tokenizer's {@code offset_mapping}).
 *
 * <p>They differ after every character outside the Basic Multilingual Plane (most emoji, rare
 * CJK, musical symbols), which Java stores as two {@code char}s and Python as one. Golden vectors
 * are produced in Python, so every comparison converts explicitly through this class.
 */
public final class TextOffsets {
  private TextOffsets() {}

  /** The UTF-16 index of code point index {@code cpIndex} (0..codePointCount inclusive). */
  public static int codePointToUtf16(String text, int cpIndex) {
    if (cpIndex < 0 || cpIndex > text.codePointCount(0, text.length())) {
      throw new IndexOutOfBoundsException(
          "code point index " + cpIndex + " outside text of "
              + text.codePointCount(0, text.length()) + " code points");
    }
    return text.offsetByCodePoints(0, cpIndex);
  }

  /** The code point index of UTF-16 index {@code utf16Index} (0..length inclusive). */
  public static int utf16ToCodePoint(String text, int utf16Index) {
    if (utf16Index < 0 || utf16Index > text.length()) {
      throw new IndexOutOfBoundsException(
          "UTF-16 index " + utf16Index + " outside text of length " + text.length());
    }
    return text.codePointCount(0, utf16Index);
  }
}
