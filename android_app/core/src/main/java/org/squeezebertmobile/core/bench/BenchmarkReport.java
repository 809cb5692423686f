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

    public Run(ModelFileName model, String task, int seqLen, int numThreads) {
      this.model = model;
      this.task = task;
      this.seqLen = seqLen;
      this.numThreads = numThreads;
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

  private void add(Run run, String metric, double value) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("name", run.model.name());
    model.put("backend", run.model.backend());
    model.put("quantization", run.model.quantization());
    model.put("task", run.task);
    model.put("file", run.model.file());
    model.put("seqLen", run.seqLen);
    model.put("numThreads", run.numThreads);
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
