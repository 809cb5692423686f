package org.squeezebertmobile.core.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One benchmark request as BenchmarkActivity runs it, with a guaranteed outcome: when it ends,
 * the app's files directory holds the results file (written after every model) or a one-line
 * error file, never neither. Whatever goes wrong, including an {@link Error} such as the {@code
 * UnsatisfiedLinkError} of a missing {@code libexecutorch.so}, becomes that error line, so
 * {@code runtime_bench --adb} reports it at once instead of polling until its timeout.
 */
public final class BenchmarkJob {
  /** Written instead of (or after part of) the results when a run cannot start or finish. */
  public static final String ERROR_FILE = "benchmark_error.txt";

  private final Path results;
  private final Path error;

  public BenchmarkJob(Path filesDir) {
    this.results = filesDir.resolve(BenchmarkReport.FILE_NAME);
    this.error = filesDir.resolve(ERROR_FILE);
  }

  /** Removes a previous run's outcome, so a reader never mistakes it for this run's. */
  public void clear() throws IOException {
    Files.deleteIfExists(results);
    Files.deleteIfExists(error);
  }

  /**
   * Runs every model of {@code modelDir}; never throws.
   *
   * @param runner builds the runner (creating the runtime binding can itself fail)
   * @param device the device description (read from the platform, which can fail too)
   * @param modelDone called after each model's results were saved
   * @return null when every model ran (each one's load_status says how it went), else the
   *     one-line error that was written to {@link #ERROR_FILE}
   */
  public String run(
      Supplier<BenchmarkRunner> runner,
      Path modelDir,
      BenchmarkConfig config,
      Supplier<DeviceInfo> device,
      Consumer<Path> modelDone) {
    try {
      runner
          .get()
          .run(
              modelDir,
              config,
              device.get(),
              (model, report) -> {
                writeAtomically(results, report.toJson());
                modelDone.accept(model);
              });
      return null;
    } catch (Throwable t) { // Errors too: a dead worker thread would leave no outcome at all
      return fail(t);
    }
  }

  /** Writes the one-line reason for {@code t} to {@link #ERROR_FILE} and returns it. */
  public String fail(Throwable t) {
    String line = errorLine(t);
    try {
      writeAtomically(error, line + "\n");
    } catch (IOException | RuntimeException e) {
      // Nothing more can be done on the device; the caller still logs and shows the line.
    }
    return line;
  }

  /**
   * {@code benchmark failed: <reason>} on one line. Expected failures (bad extras, missing
   * files) carry their own message; anything else is named by its class, e.g. {@code
   * UnsatisfiedLinkError: dlopen failed: library "libexecutorch.so" not found}.
   */
  public static String errorLine(Throwable t) {
    String message = t.getMessage();
    boolean expected = t instanceof IOException || t instanceof IllegalArgumentException;
    String reason =
        expected && message != null && !message.isBlank()
            ? message
            : t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    return "benchmark failed: " + reason.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }

  /** Writes via a temporary file and a rename, so a polling reader sees old or new content. */
  static void writeAtomically(Path target, String content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.write(tmp, content.getBytes(StandardCharsets.UTF_8));
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
