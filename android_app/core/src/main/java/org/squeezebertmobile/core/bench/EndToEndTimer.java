package org.squeezebertmobile.core.bench;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Times what a user waits for on one real input, stage by stage: tokenization (text to runtime
 * tensors), the runtime call (forward pass and reading the logits back), and post-processing
 * (softmax and top-k, BIO decoding). The end-to-end time of an example is the sum of its stages,
 * measured back to back with one clock, so nothing between the stages goes unaccounted.
 *
 * <p>Use: {@code begin()}, then {@code lap(stage)} after each stage, then {@code end()}.
 */
public final class EndToEndTimer {
  /** The stages of one request, in order. */
  public enum Stage {
    TOKENIZE,
    MODEL,
    POSTPROCESS
  }

  private final LongSupplier nanoClock;
  private final Map<Stage, double[]> samples = new EnumMap<>(Stage.class);
  private final double[] totals;
  private int count;
  private long last = Long.MIN_VALUE;

  public EndToEndTimer(LongSupplier nanoClock, int examples) {
    this.nanoClock = nanoClock;
    for (Stage stage : Stage.values()) {
      samples.put(stage, new double[examples]);
    }
    this.totals = new double[examples];
  }

  /** Starts timing the next example. */
  public void begin() {
    if (count == totals.length) {
      throw new IllegalStateException("all " + totals.length + " examples were already timed");
    }
    last = nanoClock.getAsLong();
  }

  /** Ends {@code stage} of the current example: the time since the previous mark is its own. */
  public void lap(Stage stage) {
    if (last == Long.MIN_VALUE) {
      throw new IllegalStateException("lap(" + stage + ") before begin()");
    }
    long now = nanoClock.getAsLong();
    samples.get(stage)[count] += (now - last) / 1e6;
    totals[count] += (now - last) / 1e6;
    last = now;
  }

  /** Ends the current example. */
  public void end() {
    if (last == Long.MIN_VALUE) {
      throw new IllegalStateException("end() before begin()");
    }
    count++;
    last = Long.MIN_VALUE;
  }

  /** Examples timed so far. */
  public int count() {
    return count;
  }

  /** Per-example milliseconds of {@code stage}. */
  public double[] stage(Stage stage) {
    return java.util.Arrays.copyOf(samples.get(stage), count);
  }

  /** Per-example end-to-end milliseconds (the sum of the stages). */
  public double[] endToEnd() {
    return java.util.Arrays.copyOf(totals, count);
  }
}
