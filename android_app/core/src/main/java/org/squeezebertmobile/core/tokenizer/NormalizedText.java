package org.squeezebertmobile.core.tokenizer;

/**
 * Text after BERT normalization, with every code point tied to the original characters it came
 * from.
 *
 * <p>{@code start(i)} / {@code end(i)} are UTF-16 indices into the original Java string, so a
 * token's offsets are simply the start of its first code point and the end of its last one. This
 * mirrors the alignment model of the reference tokenizer: a decomposed or lower-cased character
 * keeps the span of the character it came from, and reordered combining marks keep the position
 * they occupied.
 */
public final class NormalizedText {
  private final int[] codePoints;
  private final int[] starts;
  private final int[] ends;

  NormalizedText(int[] codePoints, int[] starts, int[] ends) {
    this.codePoints = codePoints;
    this.starts = starts;
    this.ends = ends;
  }

  /** Number of code points. */
  public int length() {
    return codePoints.length;
  }

  public int codePoint(int i) {
    return codePoints[i];
  }

  /** UTF-16 index in the original text where the source of code point {@code i} starts. */
  public int start(int i) {
    return starts[i];
  }

  /** UTF-16 index in the original text where the source of code point {@code i} ends. */
  public int end(int i) {
    return ends[i];
  }

  /** The normalized code points {@code [from, to)} as a string. */
  public String substring(int from, int to) {
    return new String(codePoints, from, to - from);
  }

  @Override
  public String toString() {
    return substring(0, codePoints.length);
  }
}
