package org.squeezebertmobile.core.tokenizer;

import java.util.Arrays;

/**
 * The tokenizer's output for one text: ids with [CLS]/[SEP], the word of every token, and the
 * character span of every token in the original text.
 *
 * <p>Offsets are UTF-16 indices into the Java string ({@code text.substring(start, end)} is the
 * token's source). The reference reports code point indices; {@link TextOffsets} converts. The
 * special tokens [CLS] and [SEP] have word {@link #NO_WORD} and the empty span (0, 0), as in the
 * reference.
 */
public final class Encoding {
  /** Word index of special tokens. */
  public static final int NO_WORD = -1;

  private final int[] ids;
  private final int[] wordIds;
  private final int[] starts;
  private final int[] ends;
  private final int untruncatedLength;

  Encoding(int[] ids, int[] wordIds, int[] starts, int[] ends, int untruncatedLength) {
    this.ids = ids;
    this.wordIds = wordIds;
    this.starts = starts;
    this.ends = ends;
    this.untruncatedLength = untruncatedLength;
  }

  /** Number of tokens, special tokens included. */
  public int length() {
    return ids.length;
  }

  public int[] ids() {
    return ids.clone();
  }

  public int id(int i) {
    return ids[i];
  }

  /** Ids as int64, the models' input dtype. */
  public long[] idsAsLongs() {
    long[] out = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
    }
    return out;
  }

  /** An all-ones attention mask of this length (the encoding has no padding). */
  public long[] attentionMask() {
    long[] mask = new long[ids.length];
    Arrays.fill(mask, 1L);
    return mask;
  }

  public int[] wordIds() {
    return wordIds.clone();
  }

  /** The word of token {@code i}, or {@link #NO_WORD} for [CLS]/[SEP]. */
  public int wordId(int i) {
    return wordIds[i];
  }

  /** UTF-16 start of token {@code i} in the original text. */
  public int start(int i) {
    return starts[i];
  }

  /** UTF-16 end of token {@code i} in the original text. */
  public int end(int i) {
    return ends[i];
  }

  /** True if tokens were dropped to respect the maximum length. */
  public boolean isTruncated() {
    return untruncatedLength > ids.length;
  }

  /** How many tokens (with [CLS]/[SEP]) the text would have needed without truncation. */
  public int untruncatedLength() {
    return untruncatedLength;
  }
}
