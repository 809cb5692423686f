package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The end-to-end timer against a scripted clock. */
class EndToEndTimerTest {
  private long now;

  @Test
  void eachExampleIsTheSumOfItsStagesAndEveryStageKeepsItsOwnSamples() {
    EndToEndTimer timer = new EndToEndTimer(() -> now, 2);
    long[][] stages = {{1_000_000, 7_000_000, 500_000}, {2_000_000, 9_000_000, 250_000}};
    for (long[] example : stages) {
      timer.begin();
      now += example[0];
      timer.lap(EndToEndTimer.Stage.TOKENIZE);
      now += example[1];
      timer.lap(EndToEndTimer.Stage.MODEL);
      now += example[2];
      timer.lap(EndToEndTimer.Stage.POSTPROCESS);
      timer.end();
      now += 99_000_000; // time between requests belongs to no example
    }
    assertArrayEquals(new double[] {1.0, 2.0}, timer.stage(EndToEndTimer.Stage.TOKENIZE), 1e-12);
    assertArrayEquals(new double[] {7.0, 9.0}, timer.stage(EndToEndTimer.Stage.MODEL), 1e-12);
    assertArrayEquals(
        new double[] {0.5, 0.25}, timer.stage(EndToEndTimer.Stage.POSTPROCESS), 1e-12);
    assertArrayEquals(new double[] {8.5, 11.25}, timer.endToEnd(), 1e-12);
  }

  @Test
  void lapsOutsideAnExampleAndMoreExamplesThanPlannedAreRefused() {
    EndToEndTimer timer = new EndToEndTimer(() -> now, 1);
    assertThrows(IllegalStateException.class, () -> timer.lap(EndToEndTimer.Stage.MODEL));
    assertThrows(IllegalStateException.class, timer::end);
    timer.begin();
    timer.end();
    assertThrows(IllegalStateException.class, timer::begin);
  }
}
