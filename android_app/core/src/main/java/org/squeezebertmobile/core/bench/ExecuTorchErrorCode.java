package org.squeezebertmobile.core.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ExecuTorch error code ({@code runtime/core/error.h}) carried by a runtime exception.
 *
 * <p>ExecuTorch's Android API reports failures as {@code ExecutorchRuntimeException} with {@code
 * getErrorCode()}, but not uniformly across releases: in some, an invalid-argument failure (code
 * 0x12, what a corrupt {@code .pte} gives in {@code Module.load}) is an {@code
 * ExecutorchInvalidArgumentException} that extends {@code IllegalArgumentException}, not {@code
 * ExecutorchRuntimeException}. Every variant formats its message as {@code [ExecuTorch Error
 * 0x12] ...} (spelled {@code Executorch} in older releases), so that prefix, anywhere in the cause
 * chain, is the release-independent source of the code for exceptions the app cannot catch by
 * type.
 */
public final class ExecuTorchErrorCode {
  private static final Pattern CODE =
      Pattern.compile("\\[ExecuTorch Error 0x([0-9a-fA-F]{1,8})\\]", Pattern.CASE_INSENSITIVE);

  private ExecuTorchErrorCode() {}

  /** The code in {@code t}'s message or its causes' messages, else {@code fallback}. */
  public static int of(Throwable t, int fallback) {
    for (Throwable cause = t; cause != null; cause = cause.getCause()) {
      String message = cause.getMessage();
      if (message != null) {
        Matcher m = CODE.matcher(message);
        if (m.find()) {
          return (int) Long.parseLong(m.group(1), 16);
        }
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return fallback;
  }
}
