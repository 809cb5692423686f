package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The rule of runtime_bench/measure/inputs.py fit_to_length, case by case. */
class InputFitterTest {
  @Test
  void longExampleKeepsFirstTokensAndEndsWithSep() {
    InputFitter.Fitted f = InputFitter.fit(new int[] {101, 7, 8, 9, 10, 102}, 4, 102, 0);
    assertArrayEquals(new long[] {101, 7, 8, 102}, f.inputIds);
    assertArrayEquals(new long[] {1, 1, 1, 1}, f.attentionMask);
  }

  @Test
  void shortExampleIsPaddedAndMasked() {
    InputFitter.Fitted f = InputFitter.fit(new int[] {101, 7, 102}, 6, 102, 0);
    assertArrayEquals(new long[] {101, 7, 102, 0, 0, 0}, f.inputIds);
    assertArrayEquals(new long[] {1, 1, 1, 0, 0, 0}, f.attentionMask);
  }

  @Test
  void exactLengthIsUnchanged() {
    InputFitter.Fitted f = InputFitter.fit(new int[] {101, 7, 102}, 3, 102, 0);
    assertArrayEquals(new long[] {101, 7, 102}, f.inputIds);
    assertArrayEquals(new long[] {1, 1, 1}, f.attentionMask);
  }

  @Test
  void lengthBelowTwoIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> InputFitter.fit(new int[] {101}, 1, 102, 0));
  }

  @Test
  void maskedCountIsATenthOfTheLengthRoundedHalfUp() {
    // The same table as tests/runtime_bench/measure/test_bench_inputs.py
    int[][] cases = {{2, 1}, {5, 1}, {15, 2}, {25, 3}, {64, 6}, {128, 13}, {512, 51}};
    for (int[] c : cases) {
      assertEquals(c[1], InputFitter.maskedCount(c[0]), "L=" + c[0]);
    }
  }

  @Test
  void maskPositionsBeforeTheFinalSepAreTakenInOrderAndCycled() {
    int[] ordered = {5, 2, 9, 1};
    assertArrayEquals(new long[] {5}, InputFitter.fitPositions(ordered, 8));
    assertArrayEquals(new long[] {5, 2, 9}, InputFitter.fitPositions(ordered, 25));
    assertArrayEquals(new long[] {5, 2, 9, 1, 5}, InputFitter.fitPositions(ordered, 45));
    InputFitter.Fitted f = InputFitter.fit(new int[] {101, 7, 8, 102}, ordered, 8, 102, 0);
    assertArrayEquals(new long[] {5}, f.maskPositions);
    assertNull(InputFitter.fit(new int[] {101, 7, 102}, null, 8, 102, 0).maskPositions);
    assertThrows(IllegalArgumentException.class, () -> InputFitter.fitPositions(new int[] {9}, 8));
  }
}
