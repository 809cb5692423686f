package org.squeezebertmobile.core.tasks;

/**
 * Numerically stable softmax over a slice of model logits, in double precision.
 *
 * <p>Subtracting the maximum keeps {@code exp} from overflowing for large logits (a masked-LM row
 * has 30,522 entries, some well above 20), and double accumulation keeps the probabilities of a
 * whole vocabulary summing to 1 within rounding.
 */
public final class Softmax {
  private Softmax() {}

  /** softmax(logits[offset, offset + n)). */
  public static double[] of(float[] logits, int offset, int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("softmax over " + n + " values");
    }
    if (offset < 0 || offset + n > logits.length) {
      throw new IllegalArgumentException(
          "logits slice [" + offset + ", " + (offset + n) + ") outside " + logits.length
              + " values: does the model output match task.json?");
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double[] out = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      out[i] = Math.exp(logits[offset + i] - max);
      sum += out[i];
    }
    for (int i = 0; i < n; i++) {
      out[i] /= sum;
    }
    return out;
  }

  /** Index of the largest of logits[offset, offset + n); the first one on ties. */
  public static int argmax(float[] logits, int offset, int n) {
    if (n <= 0 || offset < 0 || offset + n > logits.length) {
      throw new IllegalArgumentException(
          "argmax over [" + offset + ", " + (offset + n) + ") of " + logits.length + " values");
    }
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (logits[offset + i] > logits[offset + best]) {
        best = i;
      }
    }
    return best;
  }
}
