package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Expected values are runtime_bench.analysis.stats.summarize() on the same samples (the host side). */
class LatencyStatsTest {
  private static final double EPS = 1e-12;

  @Test
  void matchesTheHostBenchmarkOnAnOddSampleWithAnOutlier() {
    LatencyStats s =
        LatencyStats.of(
            new double[] {5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 7.5, 6.25, 8.0, 9.0, 100.0, 0.5, 3.3,
                4.4, 5.5});
    assertEquals(15, s.count());
    assertEquals(5.0, s.median(), EPS);
    assertEquals(1.4, s.p10(), EPS);
    assertEquals(9.6, s.p90(), EPS);
    assertEquals(11.296666666666669, s.mean(), EPS);
    assertEquals(24.700841994517017, s.std(), EPS);
    assertEquals(0.5, s.min(), 0.0);
    assertEquals(100.0, s.max(), 0.0);
    // minibench's slice [n/10, n*9/10) = [1, 13): one sample off the bottom, two off the top.
    assertEquals(4.9125, s.trimmedMean(), EPS);
  }

  @Test
  void matchesTheHostBenchmarkOnFiftySamples() {
    double[] samples = new double[50];
    for (int i = 0; i < 50; i++) {
      samples[i] = 50 - i; // descending: order of measurement must not matter
    }
    LatencyStats s = LatencyStats.of(samples);
    assertEquals(25.5, s.median(), EPS);
    assertEquals(5.9, s.p10(), EPS);
    assertEquals(45.1, s.p90(), EPS);
    assertEquals(14.577379737113251, s.std(), EPS);
    assertEquals(25.5, s.trimmedMean(), EPS);
  }

  @Test
  void oneSampleIsItsOwnSummaryWithZeroSpread() {
    LatencyStats s = LatencyStats.of(new double[] {7.0});
    assertEquals(7.0, s.median(), 0.0);
    assertEquals(7.0, s.trimmedMean(), 0.0);
    assertEquals(0.0, s.std(), 0.0);
  }

  @Test
  void emptyOrNonFiniteSamplesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> LatencyStats.of(new double[0]));
    assertThrows(IllegalArgumentException.class, () -> LatencyStats.of(new double[] {Double.NaN}));
  }
}
