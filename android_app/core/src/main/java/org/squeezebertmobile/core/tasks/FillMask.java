package org.squeezebertmobile.core.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.squeezebertmobile.core.tokenizer.Vocab;

/**
 * Masked-LM post-processing: for every [MASK] in the input, the top-k vocabulary tokens with
 * their softmax probabilities, as Hugging Face's fill-mask pipeline reports them (no filtering of
 * special or sub-word tokens, so the numbers are comparable).
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
   * Top-{@code k} predictions per [MASK].
   *
   * @param inputIds the model input (L ids)
   * @param logits the model output [1, L, V], flattened row-major as the runtime returns it
   * @param vocab the task's vocabulary (V = vocab.size())
   */
  public static List<MaskPrediction> predict(
      int[] inputIds, float[] logits, int maskId, int k, Vocab vocab) {
    int vocabSize = vocab.size();
    if (k < 1) {
      throw new IllegalArgumentException("top-k needs k >= 1, got " + k);
    }
    if ((long) inputIds.length * vocabSize != logits.length) {
      throw new IllegalArgumentException(
          "masked-LM logits have " + logits.length + " values, expected " + inputIds.length
              + " tokens x " + vocabSize + " vocab entries: is this the fill-mask model and "
              + "its vocab.txt?");
    }
    List<MaskPrediction> out = new ArrayList<>();
    for (int position : maskPositions(inputIds, maskId)) {
      double[] probs = Softmax.of(logits, position * vocabSize, vocabSize);
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
