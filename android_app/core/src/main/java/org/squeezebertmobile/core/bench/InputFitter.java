package org.squeezebertmobile.core.bench;

/**
 * Fits a tokenized benchmark example to the benchmark's sequence length L, with the same rule as
 * the host benchmark ({@code runtime_bench/measure/inputs.py}) so both time identical inputs: a longer
 * example keeps its first L-1 ids and ends with [SEP]; a shorter one is padded with [PAD]; the
 * attention mask is 1 on real tokens and 0 on padding. A masked-LM example also gets M = max(1,
 * round(L / 10)) mask positions: the first of its ordered positions that lie before the final
 * [SEP], repeated in order when there are fewer.
 */
public final class InputFitter {
  private InputFitter() {}

  /** The fitted pair of model inputs, each of length L. */
  public static final class Fitted {
    public final long[] inputIds;
    public final long[] attentionMask;
    /** The masked-LM {@code mask_positions} input [M]; null for other tasks. */
    public final long[] maskPositions;

    Fitted(long[] inputIds, long[] attentionMask, long[] maskPositions) {
      this.inputIds = inputIds;
      this.attentionMask = attentionMask;
      this.maskPositions = maskPositions;
    }
  }

  /** M = max(1, round(L / 10)), halves rounded up (Python: (L + 5) // 10). */
  public static int maskedCount(int seqLen) {
    return Math.max(1, (seqLen + 5) / 10);
  }

  /** The M mask positions used at length {@code seqLen}, from an example's ordered positions. */
  public static long[] fitPositions(int[] positions, int seqLen) {
    int[] usable = new int[positions.length];
    int n = 0;
    for (int p : positions) {
      if (p > 0 && p < seqLen - 1) {
        usable[n++] = p;
      }
    }
    if (n == 0) {
      throw new IllegalArgumentException(
          "no mask position fits seq_len " + seqLen + "; rebuild bench_inputs.json with "
              + "`python -m export.build --force`");
    }
    long[] out = new long[maskedCount(seqLen)];
    for (int i = 0; i < out.length; i++) {
      out[i] = usable[i % n];
    }
    return out;
  }

  /** Fits ids (and, for masked-LM, {@code maskPositions}; null otherwise) to {@code seqLen}. */
  public static Fitted fit(int[] ids, int[] maskPositions, int seqLen, int sepId, int padId) {
    Fitted f = fit(ids, seqLen, sepId, padId);
    if (maskPositions == null) {
      return f;
    }
    return new Fitted(f.inputIds, f.attentionMask, fitPositions(maskPositions, seqLen));
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
    return new Fitted(inputIds, mask, null);
  }
}
