package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The ExecuTorch error code travels into load_status whatever exception type carries it. */
class ExecuTorchErrorCodeTest {
  @Test
  void readsTheCodeFromEitherReleasesMessageFormat() {
    // ExecuTorch's ErrorHelper.formatMessage, older and newer spelling.
    assertEquals(0x12, ExecuTorchErrorCode.of(
        new IllegalArgumentException("[Executorch Error 0x12] Invalid argument: load failed"), 1));
    assertEquals(0x23, ExecuTorchErrorCode.of(
        new RuntimeException("[ExecuTorch Error 0x23] Invalid program: bad header"), 1));
  }

  @Test
  void looksThroughWrappingExceptions() {
    Throwable wrapped = new IllegalStateException("load of model.pte failed",
        new IllegalArgumentException("[ExecuTorch Error 0x12] Invalid argument: x"));
    assertEquals(0x12, ExecuTorchErrorCode.of(wrapped, 1));
  }

  @Test
  void withoutACodeTheFallbackIsUsed() {
    assertEquals(1, ExecuTorchErrorCode.of(new RuntimeException("Failed to create native Module"), 1));
    assertEquals(1, ExecuTorchErrorCode.of(new RuntimeException((String) null), 1));
  }
}
