package org.squeezebertmobile.core.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.squeezebertmobile.core.tokenizer.Vocab;

/**
 * Masked-LM pre- and post-processing. The fill-mask model takes the [MASK] positions as a third
 * input ({@code mask_positions}, int64 [1, M]) and returns logits for those rows only, [1, M, V];
 * for each, the top-k vocabulary tokens with their softmax probabilities, as Hugging Face's
 * fill-mask pipeline reports them (no filtering of special or sub-word tokens, so the numbers are
 * comparable).
 */
public final class FillMask {
  private FillMask() {}

  /** Token indices whose id is {@code maskId}, in order. */
  public static int[] maskPositions(int[] inputIds, int maskId) {
    int count = 0;
    for (int id : inputIds) {
      if (id == maskId) {
        count++;
      }
    }
    int[] out = new int[count];
    int k = 0;
    for (int i = 0; i < inputIds.length; i++) {
      if (inputIds[i] == maskId) {
        out[k++] = i;
      }
    }
    return out;
  }

  /**
   * The model's {@code mask_positions} input for {@code inputIds}: every [MASK] index, as int64.
   *
   * @throws IllegalArgumentException when the text has no [MASK] (the model needs M >= 1)
   */
  public static long[] positionsInput(int[] inputIds, int maskId) {
    int[] positions = maskPositions(inputIds, maskId);
    if (positions.length == 0) {
      throw new IllegalArgumentException("fill-mask needs at least one [MASK] in the text");
    }
    long[] out = new long[positions.length];
    for (int i = 0; i < positions.length; i++) {
      out[i] = positions[i];
    }
    return out;
  }

  /**
   * Top-{@code k} predictions per [MASK].
   *
   * @param positions the {@code mask_positions} the model was given (M token indices)
   * @param logits the model output [1, M, V], flattened row-major as the runtime returns it
   * @param vocab the task's vocabulary (V = vocab.size())
   */
  public static List<MaskPrediction> predict(
      long[] positions, float[] logits, int k, Vocab vocab) {
    int vocabSize = vocab.size();
    if (k < 1) {
      throw new IllegalArgumentException("top-k needs k >= 1, got " + k);
    }
    if ((long) positions.length * vocabSize != logits.length) {
      throw new IllegalArgumentException(
          "masked-LM logits have " + logits.length + " values, expected " + positions.length
              + " masked positions x " + vocabSize + " vocab entries: is this the fill-mask "
              + "model (with a mask_positions input) and its vocab.txt?");
    }
    List<MaskPrediction> out = new ArrayList<>();
    for (int row = 0; row < positions.length; row++) {
      int position = (int) positions[row];
      double[] probs = Softmax.of(logits, row * vocabSize, vocabSize);
      List<TokenScore> top = new ArrayList<>();
      for (int id : topIndices(probs, Math.min(k, vocabSize))) {
        top.add(new TokenScore(id, vocab.token(id), probs[id]));
      }
      out.add(new MaskPrediction(position, top));
    }
    return out;
  }

  /** Indices of the k largest values, largest first; lower index first on ties. */
  static int[] topIndices(double[] values, int k) {
    // Min-heap of the best k seen so far: O(V log k) instead of sorting 30k entries.
    PriorityQueue<Integer> heap =
        new PriorityQueue<>(
            k,
            (a, b) -> {
              int byValue = Double.compare(values[a], values[b]);
              return byValue != 0 ? byValue : Integer.compare(b, a);
            });
    for (int i = 0; i < values.length; i++) {
      if (heap.size() < k) {
        heap.add(i);
      } else {
        int worst = heap.peek();
        if (values[i] > values[worst]) {
          heap.poll();
          heap.add(i);
        }
      }
    }
    int[] out = new int[heap.size()];
    for (int i = out.length - 1; i >= 0; i--) {
      out[i] = heap.poll();
    }
    return out;
  }
}
