package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The rule of runtime_bench/inputs.py fit_to_length, case by case. */
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
}
