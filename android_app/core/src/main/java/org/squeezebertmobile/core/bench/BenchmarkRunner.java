package org.squeezebertmobile.core.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;
import org.squeezebertmobile.core.tasks.TaskConfig;

/**
 * The benchmark procedure for one task directory, shared by the app and its JVM tests.
 *
 * <p>For every {@code .pte} and {@code .tflite} in the directory (sorted by name): load (timed,
 * the model load time), one forward pass (the first-inference latency, which includes lazy initialisation), {@code W}
 * untimed warm-up passes, then {@code N} timed passes. Round {@code i} runs example {@code i mod
 * n} of {@code bench_inputs.json}, fitted to the sequence length exactly as the host benchmark
 * does, so the phone and the host time the same token ids. All inputs are converted to runtime
 * tensors before the first timed pass, so only forward passes are timed.
 */
public final class BenchmarkRunner {
  /** ExecuTorch's Error::InvalidArgument, reported for a seq_len above task.json's max_seq_len. */
  public static final int STATUS_INVALID_ARGUMENT = 0x12;

  private final InferenceBackend backend;
  private final LongSupplier nanoClock;

  /** Called after each model, so results can be saved incrementally. */
  public interface Listener {
    void modelDone(Path model, BenchmarkReport report) throws IOException;
  }

  public BenchmarkRunner(InferenceBackend backend, LongSupplier nanoClock) {
    this.backend = backend;
    this.nanoClock = nanoClock;
  }

  /** The model files ({@code .pte}, {@code .tflite}) of {@code dir}, sorted by name. */
  public static List<Path> modelFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          dir.toString(), null, "model_dir is not a directory: push the task directory with adb "
              + "and pass it with --es model_dir");
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, ModelRuntime.glob())) {
      for (Path p : stream) {
        if (Files.isRegularFile(p)) {
          files.add(p);
        }
      }
    }
    Collections.sort(files);
    if (files.isEmpty()) {
      throw new NoSuchFileException(
          dir.toString(), null, "no .pte or .tflite file in model_dir: push the exported "
              + "*_xnnpack_*.pte / *_litert_*.tflite files there");
    }
    return files;
  }

  /** Runs every model of {@code dir}; failures of one model are reported, not thrown. */
  public BenchmarkReport run(
      Path dir, BenchmarkConfig config, DeviceInfo device, Listener listener) throws IOException {
    TaskConfig task = TaskConfig.load(dir);
    BenchInputs inputs = BenchInputs.load(dir);
    List<Path> models = modelFiles(dir);
    int sepId = task.specialTokens().getOrDefault("sep", 102);
    int padId = task.specialTokens().getOrDefault("pad", 0);
    List<InputFitter.Fitted> fitted = new ArrayList<>();
    for (int i = 0; i < inputs.examples().size(); i++) {
      fitted.add(
          InputFitter.fit(
              inputs.examples().get(i), inputs.maskPositions().get(i), config.seqLen, sepId,
              padId));
    }
    BenchmarkReport report = new BenchmarkReport(device);
    for (Path model : models) {
      BenchmarkReport.Run run =
          new BenchmarkReport.Run(
              ModelFileName.resolve(model.getFileName().toString(), task.files()),
              task.task(),
              config.seqLen,
              config.numThreads);
      if (config.seqLen > task.maxSeqLen()) {
        // Outside the exported dynamic shape range: report without asking the runtime to fail.
        report.addFailure(run, 0.0, STATUS_INVALID_ARGUMENT);
      } else {
        runModel(model, run, config, fitted, report);
      }
      if (listener != null) {
        listener.modelDone(model, report);
      }
    }
    return report;
  }

  private void runModel(
      Path model,
      BenchmarkReport.Run run,
      BenchmarkConfig config,
      List<InputFitter.Fitted> fitted,
      BenchmarkReport report) {
    long loadStart = nanoClock.getAsLong();
    InferenceBackend.Session<?> session;
    try {
      session = backend.load(model, config.numThreads);
    } catch (InferenceBackend.BackendException e) {
      report.addFailure(run, millisSince(loadStart), e.status());
      return;
    }
    double loadMs = millisSince(loadStart);
    try (InferenceBackend.Session<?> s = session) {
      timeSession(s, run, config, fitted, report, loadMs);
    } catch (InferenceBackend.BackendException e) {
      // The model loaded but cannot run these inputs (e.g. a shape it was not exported for).
      report.addFailure(run, loadMs, e.status());
    }
  }

  private <I> void timeSession(
      InferenceBackend.Session<I> session,
      BenchmarkReport.Run run,
      BenchmarkConfig config,
      List<InputFitter.Fitted> fitted,
      BenchmarkReport report,
      double loadMs)
      throws InferenceBackend.BackendException {
    List<I> inputs = new ArrayList<>(fitted.size());
    for (InputFitter.Fitted f : fitted) {
      inputs.add(session.prepare(f.inputIds, f.attentionMask, f.maskPositions));
    }
    long firstStart = nanoClock.getAsLong();
    session.forward(inputs.get(0));
    double firstMs = millisSince(firstStart);
    for (int i = 0; i < config.numWarmUpIter; i++) {
      session.forward(inputs.get((i + 1) % inputs.size()));
    }
    double[] samples = new double[config.numIter];
    for (int i = 0; i < config.numIter; i++) {
      I input = inputs.get(i % inputs.size());
      long start = nanoClock.getAsLong();
      session.forward(input);
      samples[i] = millisSince(start);
    }
    report.addSuccess(run, loadMs, firstMs, LatencyStats.of(samples));
  }

  private double millisSince(long startNanos) {
    return (nanoClock.getAsLong() - startNanos) / 1e6;
  }
}
