package org.squeezebertmobile.core.litert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.squeezebertmobile.core.bench.InputFitter;

/**
 * The input convention of the exporter's LiteRT files (export/backends/litert.py), in pure Java.
 *
 * <p>litert-torch cannot export a dynamic sequence axis, so a {@code .tflite} holds one static
 * signature per length, named {@code seq_<L>} (e.g. {@code seq_32} ... {@code seq_512}), all
 * sharing one copy of the weights. Inputs are int32 {@code input_ids} and {@code attention_mask}
 * of shape [1, L]; the output is {@code output_0}. A sequence runs on the smallest signature that
 * fits, padded with 0 (attention mask 0); token-level logits of padded positions are dropped.
 *
 * <p>A masked-LM file's signatures also take int32 {@code mask_positions} [1, M_L] with M_L =
 * {@link InputFitter#maskedCount} of L (the benchmark's 10%) and return [1, M_L, V]. A request
 * with M positions runs on the smallest signature whose length holds the tokens and whose M_L
 * holds M; its positions are padded to M_L by repeating the last one, and the first M rows of
 * the output are kept. A request with more positions than any fitting signature takes runs in
 * chunks of positions ({@link #feeds}), as the Python runner does and task.json's {@code
 * mask_positions.padding} says: each chunk on the signature that fits it, the rows concatenated.
 */
public final class LiteRtSignatures {
  public static final String PREFIX = "seq_";
  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String MASK_POSITIONS = "mask_positions";
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

  /** How many mask positions a masked-LM file's signature of {@code length} takes (M_L). */
  public static int maskedCount(int length) {
    return InputFitter.maskedCount(length);
  }

  /** The smallest signature length that holds {@code seqLen} tokens. */
  public int bucketFor(int seqLen) {
    return bucketFor(seqLen, 0);
  }

  /**
   * The smallest signature length that holds {@code seqLen} tokens and (masked-LM) {@code
   * positions} mask positions; 0 positions for other tasks.
   */
  public int bucketFor(int seqLen, int positions) {
    if (seqLen > lengths[lengths.length - 1]) {
      throw new IllegalArgumentException(
          "sequence length " + seqLen + " exceeds the largest signature "
              + lengths[lengths.length - 1] + "; truncate the input");
    }
    for (int length : lengths) {
      if (length >= seqLen && maskedCount(length) >= positions) {
        return length;
      }
    }
    throw new IllegalArgumentException(
        positions + " mask positions exceed the " + maskedCount(lengths[lengths.length - 1])
            + " that the largest signature " + lengths[lengths.length - 1]
            + " takes; use fewer [MASK] tokens");
  }

  /** The signature key for {@code seqLen} tokens, e.g. {@code seq_128} for 100. */
  public String keyFor(int seqLen) {
    return PREFIX + bucketFor(seqLen);
  }

  /** One ready-to-run input: the signature and its int32 tensors. */
  public static final class Feed {
    public final String signature;
    /** The sequence length L of the request. */
    public final int length;
    /** Output rows the caller keeps: L for token-level tasks, M for masked-LM. */
    public final int rows;
    public final int[][] inputIds;
    public final int[][] attentionMask;
    /** Masked-LM {@code mask_positions} [1, M_L]; null for other tasks. */
    public final int[][] maskPositions;

    Feed(
        String signature,
        int length,
        int rows,
        int[][] inputIds,
        int[][] attentionMask,
        int[][] maskPositions) {
      this.signature = signature;
      this.length = length;
      this.rows = rows;
      this.inputIds = inputIds;
      this.attentionMask = attentionMask;
      this.maskPositions = maskPositions;
    }
  }

  /**
   * Pads int64 [1, L] contract inputs with 0 to the signature that fits them, as int32; masked-LM
   * {@code maskPositions} [M] (null for other tasks) are padded to the signature's M_L by
   * repeating the last one.
   */
  public Feed feed(long[] inputIds, long[] attentionMask, long[] maskPositions) {
    if (inputIds.length != attentionMask.length) {
      throw new IllegalArgumentException(
          "input_ids has " + inputIds.length + " ids but attention_mask " + attentionMask.length);
    }
    if (maskPositions == null) {
      int bucket = bucketFor(inputIds.length);
      return new Feed(
          PREFIX + bucket,
          inputIds.length,
          inputIds.length,
          new int[][] {padded(inputIds, bucket)},
          new int[][] {padded(attentionMask, bucket)},
          null);
    }
    if (maskPositions.length == 0) {
      throw new IllegalArgumentException("mask_positions is empty: fill-mask needs a [MASK]");
    }
    int bucket = bucketFor(inputIds.length, maskPositions.length);
    int[] positions = padded(maskPositions, maskedCount(bucket));
    int last = positions[maskPositions.length - 1];
    Arrays.fill(positions, maskPositions.length, positions.length, last);
    return new Feed(
        PREFIX + bucket,
        inputIds.length,
        maskPositions.length,
        new int[][] {padded(inputIds, bucket)},
        new int[][] {padded(attentionMask, bucket)},
        new int[][] {positions});
  }

  /**
   * The rows a caller asked for: for a [1, rows', C] output the first {@code rows * C} values of
   * the flattened output (the real tokens; masked-LM: the real positions); a [1, C] output is
   * returned whole.
   */
  public static float[] realLogits(float[] flat, int[] outputShape, int rows) {
    if (outputShape.length != 3) {
      return flat;
    }
    return Arrays.copyOf(flat, rows * outputShape[2]);
  }

  /**
   * The feeds one request needs: one, unless a fill-mask request has more {@code maskPositions}
   * than the largest signature that holds its tokens takes; then one feed per chunk of that many
   * positions, in order. Concatenate the chunks' {@link #realLogits} with {@link #concat}.
   */
  public List<Feed> feeds(long[] inputIds, long[] attentionMask, long[] maskPositions) {
    if (maskPositions == null || maskPositions.length == 0) {
      return Collections.singletonList(feed(inputIds, attentionMask, maskPositions));
    }
    bucketFor(inputIds.length); // the tokens must fit a signature, whatever the positions
    int room = maskedCount(largest()); // the largest signature fits them and takes the most
    if (maskPositions.length <= room) {
      return Collections.singletonList(feed(inputIds, attentionMask, maskPositions));
    }
    List<Feed> chunks = new ArrayList<>();
    for (int start = 0; start < maskPositions.length; start += room) {
      long[] chunk =
          Arrays.copyOfRange(maskPositions, start, Math.min(start + room, maskPositions.length));
      chunks.add(feed(inputIds, attentionMask, chunk));
    }
    return chunks;
  }

  /** The largest signature length. */
  public int largest() {
    return lengths[lengths.length - 1];
  }

  /** The chunks' real logits, in order: [1, M, V] for the whole request. */
  public static float[] concat(List<float[]> parts) {
    int total = 0;
    for (float[] part : parts) {
      total += part.length;
    }
    float[] out = new float[total];
    int at = 0;
    for (float[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  private static int[] padded(long[] values, int size) {
    int[] out = new int[size];
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
