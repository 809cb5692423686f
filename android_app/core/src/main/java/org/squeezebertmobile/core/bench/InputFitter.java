package org.squeezebertmobile.core.bench;

/**
 * Fits a tokenized benchmark example to the benchmark's sequence length L, with the same rule as
 * the host benchmark ({@code runtime_bench/inputs.py}) so both time identical inputs: a longer
 * example keeps its first L-1 ids and ends with [SEP]; a shorter one is padded with [PAD]; the
 * attention mask is 1 on real tokens and 0 on padding.
 */
public final class InputFitter {
  private InputFitter() {}

  /** The fitted pair of model inputs, each of length L. */
  public static final class Fitted {
    public final long[] inputIds;
    public final long[] attentionMask;

    Fitted(long[] inputIds, long[] attentionMask) {
      this.inputIds = inputIds;
      this.attentionMask = attentionMask;
    }
  }

  public static Fitted fit(int[] ids, int seqLen, int sepId, int padId) {
    if (seqLen < 2) {
      throw new IllegalArgumentException(
          "seq_len " + seqLen + " is too short; pass --ei seq_len 2 or more");
    }
    long[] inputIds = new long[seqLen];
    long[] mask = new long[seqLen];
    if (ids.length > seqLen) {
      for (int i = 0; i < seqLen - 1; i++) {
        inputIds[i] = ids[i];
      }
      inputIds[seqLen - 1] = sepId;
      java.util.Arrays.fill(mask, 1L);
    } else {
      for (int i = 0; i < seqLen; i++) {
        boolean real = i < ids.length;
        inputIds[i] = real ? ids[i] : padId;
        mask[i] = real ? 1L : 0L;
      }
    }
    return new Fitted(inputIds, mask);
  }
}
