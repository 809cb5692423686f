package org.squeezebertmobile.core.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.squeezebertmobile.core.json.JsonWriter;

/**
 * The content of {@code files/benchmark_results.json}: a JSON list of metric objects in ExecuTorch
 * minibench's BenchmarkMetric shape ({@code benchmarkModel}, {@code metric}, {@code actualValue},
 * {@code targetValue}, {@code deviceInfo}), which {@code python -m runtime_bench --adb} pulls and
 * merges with the host results.
 *
 * <p>Metric names follow minibench where it has one and use the same style otherwise. A model
 * that failed to load reports only its load time and a non-zero {@code load_status}, as minibench
 * does; {@code load_status} is always written last for a model, so a reader that sees it knows
 * the model's entries are complete.
 */
public final class BenchmarkReport {
  public static final String FILE_NAME = "benchmark_results.json";

  public static final String AVG = "avg_inference_latency(ms)";
  public static final String TRIMMEAN = "trimmean_inference_latency(ms)";
  public static final String MEDIAN = "median_inference_latency(ms)";
  public static final String P10 = "p10_inference_latency(ms)";
  public static final String P90 = "p90_inference_latency(ms)";
  public static final String MIN = "min_inference_latency(ms)";
  public static final String MAX = "max_inference_latency(ms)";
  public static final String STD = "std_inference_latency(ms)";
  public static final String FIRST = "first_inference_latency(ms)";
  public static final String LOAD_TIME = "model_load_time(ms)";
  public static final String LOAD_STATUS = "load_status";
  public static final String NUM_ITER = "num_iter";
  /** minibench's name: PSS growth over the idle process after the timed runs, in MB. */
  public static final String PSS = "ram_pss_usage(mb)";
  public static final String PSS_AFTER_LOAD = "ram_pss_after_load(mb)";
  public static final String PSS_IDLE = "ram_pss_idle(mb)";
  /** The process's peak RSS (VmHWM) after the load and after the timed runs, in MB. */
  public static final String PEAK_RSS_AFTER_LOAD = "peak_rss_after_load(mb)";
  public static final String PEAK_RSS = "peak_rss(mb)";
  /** Real-traffic runs: per-example end-to-end time and its stages. */
  public static final String E2E_MEDIAN = "median_e2e_latency(ms)";
  public static final String E2E_P90 = "p90_e2e_latency(ms)";
  public static final String E2E_AVG = "avg_e2e_latency(ms)";
  public static final String TOKENIZE_MEDIAN = "median_tokenize(ms)";
  public static final String POSTPROCESS_MEDIAN = "median_postprocess(ms)";
  public static final String MEDIAN_TOKENS = "median_tokens";
  /** The pseudo-metric whose entry carries the per-sample core, clock and time lists. */
  public static final String SAMPLES = "samples";

  /** load_status of a model that loaded and ran. */
  public static final int STATUS_OK = 0;

  private final DeviceInfo device;
  private final List<Map<String, Object>> entries = new ArrayList<>();

  public BenchmarkReport(DeviceInfo device) {
    this.device = device;
  }

  /** What was run: the file, the task, and the benchmark settings. */
  public static final class Run {
    final ModelFileName model;
    final String task;
    final int seqLen;
    final int numThreads;
    /** The runtime API that ran it ({@link InferenceBackend#api}), null when not told apart. */
    final String api;

    public Run(ModelFileName model, String task, int seqLen, int numThreads) {
      this(model, task, seqLen, numThreads, null);
    }

    public Run(ModelFileName model, String task, int seqLen, int numThreads, String api) {
      this.model = model;
      this.task = task;
      this.seqLen = seqLen;
      this.numThreads = numThreads;
      this.api = api;
    }
  }

  /** Adds the metrics of a model that loaded and ran {@code stats.count()} timed iterations. */
  public void addSuccess(Run run, double loadMs, double firstMs, LatencyStats stats) {
    add(run, AVG, stats.mean());
    add(run, TRIMMEAN, stats.trimmedMean());
    add(run, MEDIAN, stats.median());
    add(run, P10, stats.p10());
    add(run, P90, stats.p90());
    add(run, MIN, stats.min());
    add(run, MAX, stats.max());
    add(run, STD, stats.std());
    add(run, FIRST, firstMs);
    add(run, LOAD_TIME, loadMs);
    add(run, NUM_ITER, stats.count());
    add(run, LOAD_STATUS, STATUS_OK);
  }

  /**
   * Adds a model that failed to load or run.
   *
   * @param status the ExecuTorch error code, or any non-zero value when none is available
   */
  public void addFailure(Run run, double loadMs, int status) {
    if (status == STATUS_OK) {
      throw new IllegalArgumentException("a failed run needs a non-zero load_status");
    }
    add(run, LOAD_TIME, loadMs);
    add(run, LOAD_STATUS, status);
  }

  /** Adds one more metric of a model (memory, end-to-end); call before addSuccess. */
  public void addMetric(Run run, String metric, double value) {
    add(run, metric, value);
  }

  /**
   * Adds the per-sample lists of a model's timed passes: milliseconds, the core each pass ended
   * on ({@code /proc/thread-self/stat} field 39, -1 unknown), that core's clock and its
   * cluster's maximum clock in kHz (-1 unknown). Written as one entry with metric {@code
   * samples}, its value the count and the lists under {@code "samples"}.
   */
  public void addSamples(Run run, double[] ms, int[] cpu, long[] freqKhz, long[] maxFreqKhz) {
    add(run, SAMPLES, ms.length);
    Map<String, Object> lists = new LinkedHashMap<>();
    List<Object> msList = new ArrayList<>();
    List<Object> cpuList = new ArrayList<>();
    List<Object> freqList = new ArrayList<>();
    List<Object> maxList = new ArrayList<>();
    for (int i = 0; i < ms.length; i++) {
      msList.add(ms[i]);
      cpuList.add(cpu[i]);
      freqList.add(freqKhz[i]);
      maxList.add(maxFreqKhz[i]);
    }
    lists.put("ms", msList);
    lists.put("cpu", cpuList);
    lists.put("freq_khz", freqList);
    lists.put("max_freq_khz", maxList);
    entries.get(entries.size() - 1).put("samples", lists);
  }

  private void add(Run run, String metric, double value) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("name", run.model.name());
    model.put("backend", run.model.backend());
    model.put("quantization", run.model.quantization());
    model.put("task", run.task);
    model.put("file", run.model.file());
    model.put("seqLen", run.seqLen);
    model.put("numThreads", run.numThreads);
    if (run.api != null) {
      model.put("runtimeApi", run.api);
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("benchmarkModel", model);
    entry.put("metric", metric);
    entry.put("actualValue", value);
    entry.put("targetValue", 0.0);
    entry.put("deviceInfo", device.toJson());
    entries.add(entry);
  }

  /** The entries so far, oldest first. */
  public List<Map<String, Object>> entries() {
    return Collections.unmodifiableList(entries);
  }

  /** The JSON text of the file. */
  public String toJson() {
    return JsonWriter.writePretty(entries);
  }
}
