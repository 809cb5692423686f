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
import org.squeezebertmobile.core.device.DeviceProbe;
import org.squeezebertmobile.core.tasks.TaskConfig;
import org.squeezebertmobile.core.tasks.TaskPipeline;
import org.squeezebertmobile.core.tokenizer.Encoding;
import org.squeezebertmobile.core.tokenizer.Vocab;
import org.squeezebertmobile.core.tokenizer.WordPieceTokenizer;

/**
 * The benchmark procedure for one task directory, shared by the app and its JVM tests.
 *
 * <p>For every {@code .pte} and {@code .tflite} in the directory (sorted by name): load (timed,
 * the model load time), one forward pass (the first-inference latency, which includes lazy initialisation), {@code W}
 * untimed warm-up passes, then {@code N} timed passes. Round {@code i} runs example {@code i mod
 * n} of {@code bench_inputs.json}, fitted to the sequence length exactly as the host benchmark
 * does, so the phone and the host time the same token ids. All inputs are converted to runtime
 * tensors before the first timed pass, so only forward passes are timed.
 *
 * <p>After each timed pass (outside its time) the {@link DeviceProbe} says which core the
 * thread ended on and that core's clock, so a sample that ran on a little core or a throttled
 * clock shows as such. PSS and peak RSS are read when the process is idle, after the load and
 * after the timed runs (minibench's {@code ram_pss_usage(mb)}).
 *
 * <p>With {@code seq_len 0} ({@link BenchmarkConfig#realInputs()}) every round is a real request
 * at its own length, timed end to end by {@link EndToEndTimer}: text to tensors, the runtime
 * call (the model-only time), and post-processing through {@link TaskPipeline}, the demo's own
 * code. The text is the example's {@code text} in bench_inputs.json, else its ids decoded.
 */
public final class BenchmarkRunner {
  /** ExecuTorch's Error::InvalidArgument, reported for a seq_len above task.json's max_seq_len. */
  public static final int STATUS_INVALID_ARGUMENT = 0x12;

  /** Top-k of the fill-mask post-processing, as the demo shows it. */
  public static final int TOP_K = 5;

  private final InferenceBackend backend;
  private final LongSupplier nanoClock;
  private final DeviceProbe probe;

  /** Called after each model, so results can be saved incrementally. */
  public interface Listener {
    void modelDone(Path model, BenchmarkReport report) throws IOException;
  }

  public BenchmarkRunner(InferenceBackend backend, LongSupplier nanoClock) {
    this(backend, nanoClock, DeviceProbe.NONE);
  }

  public BenchmarkRunner(InferenceBackend backend, LongSupplier nanoClock, DeviceProbe probe) {
    this.backend = backend;
    this.nanoClock = nanoClock;
    this.probe = probe;
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
    if (config.modelFile != null) {
      Path only = dir.resolve(config.modelFile);
      if (!models.contains(only)) {
        throw new NoSuchFileException(
            only.toString(), null, "model_file is not a .pte or .tflite in model_dir: push it "
                + "or fix --es model_file");
      }
      models = List.of(only);
    }
    int sepId = task.specialTokens().getOrDefault("sep", 102);
    int padId = task.specialTokens().getOrDefault("pad", 0);
    List<InputFitter.Fitted> fitted = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    TaskPipeline pipeline = null;
    if (config.realInputs()) {
      Vocab vocab = Vocab.load(dir.resolve(task.vocabFile()));
      pipeline = new TaskPipeline(task, new WordPieceTokenizer(vocab), TOP_K);
      for (int i = 0; i < inputs.examples().size(); i++) {
        texts.add(inputs.textOf(i, vocab));
      }
    } else {
      for (int i = 0; i < inputs.examples().size(); i++) {
        fitted.add(
            InputFitter.fit(
                inputs.examples().get(i), inputs.maskPositions().get(i), config.seqLen, sepId,
                padId));
      }
    }
    BenchmarkReport report = new BenchmarkReport(device);
    for (Path model : models) {
      BenchmarkReport.Run run =
          new BenchmarkReport.Run(
              ModelFileName.resolve(model.getFileName().toString(), task.files()),
              task.task(),
              config.seqLen,
              config.numThreads,
              backend.api(model));
      if (config.seqLen > task.maxSeqLen()) {
        // Outside the exported dynamic shape range: report without asking the runtime to fail.
        report.addFailure(run, 0.0, STATUS_INVALID_ARGUMENT);
      } else {
        runModel(model, run, config, new Work(fitted, texts, pipeline), report);
      }
      if (listener != null) {
        listener.modelDone(model, report);
      }
    }
    return report;
  }

  /** What a model runs on: fitted inputs (fixed length) or texts and their pipeline (real). */
  private static final class Work {
    final List<InputFitter.Fitted> fitted;
    final List<String> texts;
    final TaskPipeline pipeline;

    Work(List<InputFitter.Fitted> fitted, List<String> texts, TaskPipeline pipeline) {
      this.fitted = fitted;
      this.texts = texts;
      this.pipeline = pipeline;
    }
  }

  private void runModel(
      Path model, BenchmarkReport.Run run, BenchmarkConfig config, Work work,
      BenchmarkReport report) {
    long pssIdle = probe.pssKb();
    long loadStart = nanoClock.getAsLong();
    InferenceBackend.Session<?> session;
    try {
      session = backend.load(model, config.numThreads);
    } catch (InferenceBackend.BackendException e) {
      report.addFailure(run, millisSince(loadStart), e.status());
      return;
    }
    double loadMs = millisSince(loadStart);
    long pssLoaded = probe.pssKb();
    long peakLoaded = probe.peakRssKb();
    try (InferenceBackend.Session<?> s = session) {
      Timed timed =
          work.pipeline == null
              ? timeFixed(s, config, work.fitted)
              : timeReal(s, config, work.texts, work.pipeline, run, report);
      memory(run, report, pssIdle, pssLoaded, peakLoaded);
      report.addSamples(run, timed.samples, timed.cpu, timed.freq, timed.maxFreq);
      report.addSuccess(run, loadMs, timed.firstMs, LatencyStats.of(timed.samples));
    } catch (InferenceBackend.BackendException e) {
      // The model loaded but cannot run these inputs (e.g. a shape it was not exported for).
      report.addFailure(run, loadMs, e.status());
    }
  }

  /** The timed passes of one model: milliseconds and where each ran. */
  private static final class Timed {
    final double firstMs;
    final double[] samples;
    final int[] cpu;
    final long[] freq;
    final long[] maxFreq;

    Timed(double firstMs, int n) {
      this.firstMs = firstMs;
      this.samples = new double[n];
      this.cpu = new int[n];
      this.freq = new long[n];
      this.maxFreq = new long[n];
    }
  }

  /** Records where sample {@code i} ran; called right after its clock stopped. */
  private void place(Timed timed, int i) {
    int cpu = probe.currentCpu();
    timed.cpu[i] = cpu;
    timed.freq[i] = probe.currentFreqKhz(cpu);
    timed.maxFreq[i] = probe.maxFreqKhz(cpu);
  }

  private <I> Timed timeFixed(
      InferenceBackend.Session<I> session, BenchmarkConfig config,
      List<InputFitter.Fitted> fitted) throws InferenceBackend.BackendException {
    List<I> inputs = new ArrayList<>(fitted.size());
    for (InputFitter.Fitted f : fitted) {
      inputs.add(session.prepare(f.inputIds, f.attentionMask, f.maskPositions));
    }
    long firstStart = nanoClock.getAsLong();
    session.forward(inputs.get(0));
    Timed timed = new Timed(millisSince(firstStart), config.numIter);
    for (int i = 0; i < config.numWarmUpIter; i++) {
      session.forward(inputs.get((i + 1) % inputs.size()));
    }
    for (int i = 0; i < config.numIter; i++) {
      I input = inputs.get(i % inputs.size());
      long start = nanoClock.getAsLong();
      session.forward(input);
      timed.samples[i] = millisSince(start);
      place(timed, i);
    }
    return timed;
  }

  /**
   * Real traffic: round i is example i mod n as a user request, text to result. The model-only
   * samples are the runtime call of each request; the end-to-end metrics go to the report.
   */
  private <I> Timed timeReal(
      InferenceBackend.Session<I> session, BenchmarkConfig config, List<String> texts,
      TaskPipeline pipeline, BenchmarkReport.Run run, BenchmarkReport report)
      throws InferenceBackend.BackendException {
    long firstStart = nanoClock.getAsLong();
    request(session, pipeline, texts.get(0), null);
    Timed timed = new Timed(millisSince(firstStart), config.numIter);
    for (int i = 0; i < config.numWarmUpIter; i++) {
      request(session, pipeline, texts.get((i + 1) % texts.size()), null);
    }
    EndToEndTimer timer = new EndToEndTimer(nanoClock, config.numIter);
    double[] tokens = new double[config.numIter];
    for (int i = 0; i < config.numIter; i++) {
      tokens[i] = request(session, pipeline, texts.get(i % texts.size()), timer);
      place(timed, i);
    }
    System.arraycopy(timer.stage(EndToEndTimer.Stage.MODEL), 0, timed.samples, 0, config.numIter);
    LatencyStats e2e = LatencyStats.of(timer.endToEnd());
    report.addMetric(run, BenchmarkReport.E2E_AVG, e2e.mean());
    report.addMetric(run, BenchmarkReport.E2E_MEDIAN, e2e.median());
    report.addMetric(run, BenchmarkReport.E2E_P90, e2e.p90());
    report.addMetric(run, BenchmarkReport.TOKENIZE_MEDIAN,
        LatencyStats.of(timer.stage(EndToEndTimer.Stage.TOKENIZE)).median());
    report.addMetric(run, BenchmarkReport.POSTPROCESS_MEDIAN,
        LatencyStats.of(timer.stage(EndToEndTimer.Stage.POSTPROCESS)).median());
    report.addMetric(run, BenchmarkReport.MEDIAN_TOKENS, LatencyStats.of(tokens).median());
    return timed;
  }

  /** One user request through the pipeline; returns its token count. */
  private <I> int request(
      InferenceBackend.Session<I> session, TaskPipeline pipeline, String text,
      EndToEndTimer timer) throws InferenceBackend.BackendException {
    if (timer != null) {
      timer.begin();
    }
    Encoding encoding = pipeline.encode(text);
    long[] positions = pipeline.positions(encoding);
    I input = session.prepare(encoding.idsAsLongs(), encoding.attentionMask(), positions);
    lap(timer, EndToEndTimer.Stage.TOKENIZE);
    float[] logits = session.logits(input);
    lap(timer, EndToEndTimer.Stage.MODEL);
    pipeline.postprocess(text, encoding, positions, logits);
    lap(timer, EndToEndTimer.Stage.POSTPROCESS);
    if (timer != null) {
      timer.end();
    }
    return encoding.length();
  }

  private static void lap(EndToEndTimer timer, EndToEndTimer.Stage stage) {
    if (timer != null) {
      timer.lap(stage);
    }
  }

  private void memory(
      BenchmarkReport.Run run, BenchmarkReport report, long pssIdle, long pssLoaded,
      long peakLoaded) {
    long pssDone = probe.pssKb();
    long peakDone = probe.peakRssKb();
    if (pssIdle >= 0 && pssDone >= 0) {
      report.addMetric(run, BenchmarkReport.PSS, (pssDone - pssIdle) / 1024.0);
      report.addMetric(run, BenchmarkReport.PSS_IDLE, pssIdle / 1024.0);
      report.addMetric(run, BenchmarkReport.PSS_AFTER_LOAD, pssLoaded / 1024.0);
    }
    if (peakDone >= 0) {
      report.addMetric(run, BenchmarkReport.PEAK_RSS_AFTER_LOAD, peakLoaded / 1024.0);
      report.addMetric(run, BenchmarkReport.PEAK_RSS, peakDone / 1024.0);
    }
  }

  private double millisSince(long startNanos) {
    return (nanoClock.getAsLong() - startNanos) / 1e6;
  }
}
