package org.squeezebertmobile.core.bench;

import java.util.Arrays;

/**
 * Summary statistics of latency samples, defined exactly as the host benchmark
 * ({@code runtime_bench/analysis/stats.py}) defines them, so phone and host numbers mean the same thing.
 *
 * <ul>
 *   <li>median, p10, p90: linear interpolation between order statistics (numpy's default);
 *   <li>std: sample standard deviation (n - 1), 0 for one sample;
 *   <li>trimmed mean: ExecuTorch minibench's rule, the mean of {@code sorted[n/10 .. n*9/10)}
 *       with integer division (all samples when that slice is empty).
 * </ul>
 */
public final class LatencyStats {
  private final double[] sorted;
  private final double mean;

  private LatencyStats(double[] samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no latency samples: num_iter must be at least 1");
    }
    for (double s : samples) {
      if (Double.isNaN(s) || Double.isInfinite(s)) {
        throw new IllegalArgumentException("latency sample " + s + " is not finite");
      }
    }
    sorted = samples.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (double s : samples) {
      sum += s;
    }
    mean = sum / samples.length;
  }

  /** Statistics of {@code samples} (milliseconds, in measurement order). */
  public static LatencyStats of(double[] samples) {
    return new LatencyStats(samples);
  }

  public int count() {
    return sorted.length;
  }

  public double mean() {
    return mean;
  }

  public double min() {
    return sorted[0];
  }

  public double max() {
    return sorted[sorted.length - 1];
  }

  public double median() {
    return percentile(50);
  }

  public double p10() {
    return percentile(10);
  }

  public double p90() {
    return percentile(90);
  }

  /** Percentile {@code q} in [0, 100] with linear interpolation. */
  public double percentile(double q) {
    if (q < 0 || q > 100 || Double.isNaN(q)) {
      throw new IllegalArgumentException("percentile must be in [0, 100], got " + q);
    }
    double pos = (sorted.length - 1) * q / 100.0;
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    if (lo == hi) {
      return sorted[lo];
    }
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  /** Sample standard deviation (divisor n - 1). */
  public double std() {
    int n = sorted.length;
    if (n < 2) {
      return 0.0;
    }
    double acc = 0;
    for (double s : sorted) {
      acc += (s - mean) * (s - mean);
    }
    return Math.sqrt(acc / (n - 1));
  }

  /** minibench's "trimmean": mean of the middle 80% by count. */
  public double trimmedMean() {
    int n = sorted.length;
    int from = n / 10;
    int to = n * 9 / 10;
    if (to <= from) {
      from = 0;
      to = n;
    }
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += sorted[i];
    }
    return sum / (to - from);
  }
}
