package org.squeezebertmobile.core.litert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The input convention of the exporter's LiteRT files (export/backends/litert.py), in pure Java.
 *
 * <p>litert-torch cannot export a dynamic sequence axis, so a {@code .tflite} holds one static
 * signature per length, named {@code seq_<L>} (e.g. {@code seq_32} ... {@code seq_512}), all
 * sharing one copy of the weights. Inputs are int32 {@code input_ids} and {@code attention_mask}
 * of shape [1, L]; the output is {@code output_0}. A sequence runs on the smallest signature that
 * fits, padded with 0 (attention mask 0); token-level logits of padded positions are dropped.
 */
public final class LiteRtSignatures {
  public static final String PREFIX = "seq_";
  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String OUTPUT = "output_0";

  private final int[] lengths;

  private LiteRtSignatures(int[] lengths) {
    this.lengths = lengths;
  }

  /** From the file's signature keys ({@code Interpreter.getSignatureKeys()}). */
  public static LiteRtSignatures fromKeys(String[] keys) {
    List<Integer> found = new ArrayList<>();
    for (String key : keys) {
      if (key.startsWith(PREFIX)) {
        try {
          found.add(Integer.parseInt(key.substring(PREFIX.length())));
        } catch (NumberFormatException e) {
          // Not one of ours: ignored, like any other signature the file may carry.
        }
      }
    }
    if (found.isEmpty()) {
      throw new IllegalArgumentException(
          "no seq_<L> signature in " + Arrays.toString(keys)
              + ": export the .tflite with python -m export.build --formats litert");
    }
    Collections.sort(found);
    return new LiteRtSignatures(found.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Signature lengths, ascending. */
  public int[] lengths() {
    return lengths.clone();
  }

  /** The smallest signature length that holds {@code seqLen} tokens. */
  public int bucketFor(int seqLen) {
    for (int length : lengths) {
      if (length >= seqLen) {
        return length;
      }
    }
    throw new IllegalArgumentException(
        "sequence length " + seqLen + " exceeds the largest signature "
            + lengths[lengths.length - 1] + "; truncate the input");
  }

  /** The signature key for {@code seqLen} tokens, e.g. {@code seq_128} for 100. */
  public String keyFor(int seqLen) {
    return PREFIX + bucketFor(seqLen);
  }

  /** One ready-to-run input: the signature and its int32 [1, bucket] tensors. */
  public static final class Feed {
    public final String signature;
    public final int length;
    public final int[][] inputIds;
    public final int[][] attentionMask;

    Feed(String signature, int length, int[][] inputIds, int[][] attentionMask) {
      this.signature = signature;
      this.length = length;
      this.inputIds = inputIds;
      this.attentionMask = attentionMask;
    }
  }

  /** Pads int64 [1, L] contract inputs with 0 to the signature that fits them, as int32. */
  public Feed feed(long[] inputIds, long[] attentionMask) {
    if (inputIds.length != attentionMask.length) {
      throw new IllegalArgumentException(
          "input_ids has " + inputIds.length + " ids but attention_mask " + attentionMask.length);
    }
    int bucket = bucketFor(inputIds.length);
    return new Feed(
        PREFIX + bucket,
        inputIds.length,
        new int[][] {padded(inputIds, bucket)},
        new int[][] {padded(attentionMask, bucket)});
  }

  /**
   * Logits of the real tokens only: for a [1, bucket, C] output (token-level tasks) the first
   * {@code length * C} values of the flattened output; a [1, C] output is returned whole.
   */
  public static float[] realLogits(float[] flat, int[] outputShape, int length) {
    if (outputShape.length != 3) {
      return flat;
    }
    return Arrays.copyOf(flat, length * outputShape[2]);
  }

  private static int[] padded(long[] values, int bucket) {
    int[] out = new int[bucket];
    for (int i = 0; i < values.length; i++) {
      long v = values[i];
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("input value " + v + " does not fit the int32 input");
      }
      out[i] = (int) v;
    }
    return out;
  }
}
