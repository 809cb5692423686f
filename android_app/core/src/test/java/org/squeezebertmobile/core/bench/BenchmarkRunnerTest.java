package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.squeezebertmobile.core.json.Json;

/**
 * The benchmark procedure against a recording stand-in for ExecuTorch (the runtime boundary) and
 * a scripted clock, so every measured number is known exactly.
 */
class BenchmarkRunnerTest {
  static final String TASK_JSON =
      "{\"task\": \"ner\", \"task_type\": \"token-classification\", \"max_length\": 100,"
          + " \"max_seq_len\": 512, \"input_names\": [\"input_ids\", \"attention_mask\"],"
          + " \"input_dtype\": \"int64\", \"output_name\": \"logits\","
          + " \"labels\": [\"O\", \"B-PER\", \"I-PER\"], \"do_lower_case\": true,"
          + " \"vocab_file\": \"vocab.txt\", \"special_tokens\": {\"pad\": 0, \"unk\": 100,"
          + " \"cls\": 101, \"sep\": 102, \"mask\": 103}, \"mask_token_id\": 103}";
  static final String INPUTS =
      "{\"task\": \"ner\", \"source\": \"conll2003/test.txt\", \"examples\": ["
          + "{\"input_ids\": [101, 5, 6, 7, 102]}, {\"input_ids\": [101, 8, 102]}]}";
  static final DeviceInfo DEVICE =
      new DeviceInfo("google", "Pixel 8", "Tensor G3", "Android 14", 8L << 30, 4L << 30);

  /** Each forward() advances the clock by the next scripted duration (ms). */
  private static final class FakeRuntime implements InferenceBackend {
    long now;
    final List<long[]> inputs = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final Map<String, Integer> failLoad = new LinkedHashMap<>();
    double[] durations = {};
    int call;

    @Override
    public Session<long[]> load(Path model, int numThreads) throws BackendException {
      String name = model.getFileName().toString();
      events.add("load " + name + " threads=" + numThreads);
      now += 40_000_000L; // 40 ms
      if (failLoad.containsKey(name)) {
        throw new BackendException(failLoad.get(name), "cannot load " + name, null);
      }
      return new Session<long[]>() {
        @Override
        public long[] prepare(long[] ids, long[] mask, long[] maskPositions) {
          assertEquals(ids.length, mask.length);
          events.add("prepare " + ids.length);
          now += 1_000_000_000L; // slow preparation must not show in any latency
          return ids;
        }

        @Override
        public void forward(long[] ids) {
          inputs.add(ids);
          now += (long) (durations[call++ % durations.length] * 1e6);
        }

        @Override
        public float[] logits(long[] ids) {
          forward(ids);
          return new float[ids.length * 3]; // [1, L, 3]: O, B-PER, I-PER
        }

        @Override
        public void close() {
          events.add("close " + name);
        }
      };
    }
  }

  static Path taskDir(Path dir, String... models) throws IOException {
    Files.write(dir.resolve("task.json"), TASK_JSON.getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("bench_inputs.json"), INPUTS.getBytes(StandardCharsets.UTF_8));
    for (String m : models) {
      Files.write(dir.resolve(m), new byte[] {0});
    }
    return dir;
  }

  private static Map<String, Double> metrics(BenchmarkReport report, String file) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map<String, Object> e : report.entries()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> model = (Map<String, Object>) e.get("benchmarkModel");
      if (file.equals(model.get("file"))) {
        out.put((String) e.get("metric"), (Double) e.get("actualValue"));
      }
    }
    return out;
  }

  @Test
  void timesEveryModelOnFittedRealInputsWithTheRequestedThreads(@TempDir Path tmp)
      throws IOException {
    Path dir = taskDir(tmp, "sq_xnnpack_q8.pte", "sq_xnnpack_fp32.pte", "notes.txt");
    FakeRuntime runtime = new FakeRuntime();
    // first inference 9 ms, 2 warm-ups of 5 ms, then 4 timed runs
    runtime.durations = new double[] {9, 5, 5, 1, 2, 3, 10};
    List<String> saved = new ArrayList<>();
    BenchmarkReport report =
        new BenchmarkRunner(runtime, () -> runtime.now)
            .run(dir, new BenchmarkConfig(4, 2, 1, 4), DEVICE,
                (model, r) -> saved.add(model.getFileName() + ":" + r.entries().size()));

    assertEquals(
        List.of("load sq_xnnpack_fp32.pte threads=1", "prepare 4", "prepare 4",
            "close sq_xnnpack_fp32.pte", "load sq_xnnpack_q8.pte threads=1", "prepare 4",
            "prepare 4", "close sq_xnnpack_q8.pte"),
        runtime.events);
    assertEquals(List.of("sq_xnnpack_fp32.pte:13", "sq_xnnpack_q8.pte:26"), saved);
    // Round i uses example i mod 2, fitted to seq_len 4 (truncated with [SEP], or padded).
    assertArrayEquals(new long[] {101, 5, 6, 102}, runtime.inputs.get(3));
    assertArrayEquals(new long[] {101, 8, 102, 0}, runtime.inputs.get(4));

    Map<String, Double> m = metrics(report, "sq_xnnpack_fp32.pte");
    assertEquals(40.0, m.get(BenchmarkReport.LOAD_TIME), 1e-9);
    assertEquals(9.0, m.get(BenchmarkReport.FIRST), 1e-9);
    assertEquals(4.0, m.get(BenchmarkReport.AVG), 1e-9);
    assertEquals(2.5, m.get(BenchmarkReport.MEDIAN), 1e-9);
    assertEquals(1.0, m.get(BenchmarkReport.MIN), 1e-9);
    assertEquals(10.0, m.get(BenchmarkReport.MAX), 1e-9);
    assertEquals(4.0, m.get(BenchmarkReport.NUM_ITER), 0.0);
    assertEquals(0.0, m.get(BenchmarkReport.LOAD_STATUS), 0.0);
  }

  @Test
  void reportIsMinibenchShapedJsonWithDeviceAndRunSettings(@TempDir Path tmp) throws IOException {
    Path dir = taskDir(tmp, "squeezebert_xnnpack_q8.pte");
    FakeRuntime runtime = new FakeRuntime();
    runtime.durations = new double[] {1};
    BenchmarkReport report =
        new BenchmarkRunner(runtime, () -> runtime.now)
            .run(dir, new BenchmarkConfig(3, 0, 1, 128), DEVICE, null);
    List<Object> entries = Json.array(Json.parse(report.toJson()), "report");
    assertEquals(13, entries.size());
    Map<String, Object> samples = Json.object(entries.get(0), "entry");
    assertEquals(BenchmarkReport.SAMPLES, samples.get("metric"));
    assertEquals(3.0, samples.get("actualValue"));
    Map<String, Object> lists = Json.object(samples.get("samples"), "samples");
    assertEquals(List.of(1.0, 1.0, 1.0), lists.get("ms"));
    assertEquals(List.of(-1L, -1L, -1L), lists.get("cpu"), "no probe: cores unknown");
    Map<String, Object> first = Json.object(entries.get(1), "entry");
    assertEquals(BenchmarkReport.AVG, first.get("metric"));
    assertEquals(0.0, first.get("targetValue"));
    Map<String, Object> model = Json.object(first.get("benchmarkModel"), "benchmarkModel");
    assertEquals("squeezebert", model.get("name"));
    assertEquals("xnnpack", model.get("backend"));
    assertEquals("q8", model.get("quantization"));
    assertEquals("ner", model.get("task"));
    assertEquals("squeezebert_xnnpack_q8.pte", model.get("file"));
    assertEquals(128L, model.get("seqLen"));
    assertEquals(1L, model.get("numThreads"));
    Map<String, Object> device = Json.object(first.get("deviceInfo"), "deviceInfo");
    assertEquals("google", device.get("device"));
    assertEquals("Pixel 8", device.get("arch"));
    assertEquals("Tensor G3", device.get("soc"));
    assertEquals("Android 14", device.get("os"));
    Map<String, Object> last = Json.object(entries.get(entries.size() - 1), "entry");
    assertEquals(BenchmarkReport.LOAD_STATUS, last.get("metric"), "load_status closes a model");
  }

  @Test
  void aModelThatFailsToLoadIsReportedAndTheOthersStillRun(@TempDir Path tmp) throws IOException {
    Path dir = taskDir(tmp, "a_xnnpack_fp32.pte", "b_xnnpack_q8.pte");
    FakeRuntime runtime = new FakeRuntime();
    runtime.durations = new double[] {2};
    runtime.failLoad.put("a_xnnpack_fp32.pte", 0x23);
    BenchmarkReport report =
        new BenchmarkRunner(runtime, () -> runtime.now)
            .run(dir, new BenchmarkConfig(2, 0, 1, 8), DEVICE, null);
    Map<String, Double> failed = metrics(report, "a_xnnpack_fp32.pte");
    assertEquals(List.of(BenchmarkReport.LOAD_TIME, BenchmarkReport.LOAD_STATUS),
        new ArrayList<>(failed.keySet()));
    assertEquals(0x23, failed.get(BenchmarkReport.LOAD_STATUS), 0.0);
    assertEquals(2.0, metrics(report, "b_xnnpack_q8.pte").get(BenchmarkReport.AVG), 1e-9);
  }

  @Test
  void sequenceLengthAboveTheExportedMaximumIsAFailureNotARun(@TempDir Path tmp)
      throws IOException {
    Path dir = taskDir(tmp, "a_xnnpack_fp32.pte");
    FakeRuntime runtime = new FakeRuntime();
    BenchmarkReport report =
        new BenchmarkRunner(runtime, () -> runtime.now)
            .run(dir, new BenchmarkConfig(2, 0, 1, 1024), DEVICE, null);
    assertEquals(BenchmarkRunner.STATUS_INVALID_ARGUMENT,
        metrics(report, "a_xnnpack_fp32.pte").get(BenchmarkReport.LOAD_STATUS), 0.0);
    assertTrue(runtime.events.isEmpty(), "the model must not be loaded");
  }

  @Test
  void missingFilesNameWhatToPush(@TempDir Path tmp) throws IOException {
    FakeRuntime runtime = new FakeRuntime();
    BenchmarkRunner runner = new BenchmarkRunner(runtime, () -> runtime.now);
    BenchmarkConfig config = new BenchmarkConfig(1, 0, 1, 8);
    NoSuchFileException noTask =
        assertThrows(NoSuchFileException.class, () -> runner.run(tmp, config, DEVICE, null));
    assertTrue(noTask.getMessage().contains("task.json"));
    Files.write(tmp.resolve("task.json"), TASK_JSON.getBytes(StandardCharsets.UTF_8));
    Files.write(tmp.resolve("bench_inputs.json"), INPUTS.getBytes(StandardCharsets.UTF_8));
    NoSuchFileException noModel =
        assertThrows(NoSuchFileException.class, () -> runner.run(tmp, config, DEVICE, null));
    assertTrue(noModel.getMessage().contains(".pte"));
  }

  @Test
  void configRejectsThreadCountZeroBecauseItMeansRuntimeDefault() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new BenchmarkConfig(10, 1, 0, 128));
    assertTrue(e.getMessage().contains("num_threads"));
    assertThrows(IllegalArgumentException.class, () -> new BenchmarkConfig(0, 1, 1, 128));
    assertThrows(IllegalArgumentException.class, () -> new BenchmarkConfig(1, -1, 1, 128));
  }

  /** A probe scripted like a phone: the thread hops to core 4 after two samples. */
  private static final class ScriptedProbe implements org.squeezebertmobile.core.device.DeviceProbe {
    int reads;
    long pss = 50 * 1024;
    long peak = 70 * 1024;

    @Override
    public int currentCpu() {
      return reads++ < 2 ? 7 : 4;
    }

    @Override
    public long currentFreqKhz(int cpu) {
      return cpu == 7 ? 2_803_200 : 1_996_800;
    }

    @Override
    public long maxFreqKhz(int cpu) {
      return 2_803_200;
    }

    @Override
    public long pssKb() {
      long now = pss;
      pss += 30 * 1024; // idle 50, after load 80, after runs 110 MB
      return now;
    }

    @Override
    public long peakRssKb() {
      long now = peak;
      peak += 25 * 1024; // after load 70, after runs 95 MB
      return now;
    }
  }

  @Test
  void eachTimedSampleRecordsItsCoreAndClockAndMemoryIsReadAfterLoadAndRuns(@TempDir Path tmp)
      throws IOException {
    Path dir = taskDir(tmp, "sq_xnnpack_q8.pte");
    FakeRuntime runtime = new FakeRuntime();
    runtime.durations = new double[] {3};
    BenchmarkReport report =
        new BenchmarkRunner(runtime, () -> runtime.now, new ScriptedProbe())
            .run(dir, new BenchmarkConfig(4, 1, 1, 8), DEVICE, null);
    Map<String, Double> m = metrics(report, "sq_xnnpack_q8.pte");
    assertEquals(60.0, m.get(BenchmarkReport.PSS), 1e-9, "minibench: after runs minus idle");
    assertEquals(50.0, m.get(BenchmarkReport.PSS_IDLE), 1e-9);
    assertEquals(80.0, m.get(BenchmarkReport.PSS_AFTER_LOAD), 1e-9);
    assertEquals(70.0, m.get(BenchmarkReport.PEAK_RSS_AFTER_LOAD), 1e-9);
    assertEquals(95.0, m.get(BenchmarkReport.PEAK_RSS), 1e-9);
    Map<String, Object> samples = null;
    for (Map<String, Object> e : report.entries()) {
      if (BenchmarkReport.SAMPLES.equals(e.get("metric"))) {
        samples = Json.object(Json.parse(org.squeezebertmobile.core.json.JsonWriter.writePretty(
            e.get("samples"))), "samples");
      }
    }
    assertEquals(List.of(7L, 7L, 4L, 4L), samples.get("cpu"));
    assertEquals(List.of(2803200L, 2803200L, 1996800L, 1996800L), samples.get("freq_khz"));
    assertEquals(List.of(3.0, 3.0, 3.0, 3.0), samples.get("ms"));
  }

  @Test
  void realInputsRunAtTheirOwnLengthsAndAreTimedEndToEndThroughTheTaskPipeline(
      @TempDir Path tmp) throws IOException {
    Path dir = taskDir(tmp, "sq_xnnpack_q8.pte");
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < 104; i++) {
      vocab.add("[unused" + i + "]");
    }
    vocab.set(0, "[PAD]");
    vocab.set(100, "[UNK]");
    vocab.set(101, "[CLS]");
    vocab.set(102, "[SEP]");
    vocab.set(103, "[MASK]");
    vocab.set(5, "john");
    vocab.set(6, "lives");
    vocab.set(7, "here");
    vocab.set(8, "paris");
    Files.write(dir.resolve("vocab.txt"), vocab);
    FakeRuntime runtime = new FakeRuntime();
    // first request 9 ms, one warm-up 5 ms, then 3 timed runtime calls
    runtime.durations = new double[] {9, 5, 2, 4, 6};
    BenchmarkReport report =
        new BenchmarkRunner(runtime, () -> runtime.now)
            .run(dir, new BenchmarkConfig(3, 1, 1, BenchmarkConfig.REAL_INPUTS), DEVICE, null);
    // The decoded texts ("john lives here", "paris") re-tokenize to the examples' own ids.
    assertArrayEquals(new long[] {101, 5, 6, 7, 102}, runtime.inputs.get(2));
    assertArrayEquals(new long[] {101, 8, 102}, runtime.inputs.get(3));
    Map<String, Double> m = metrics(report, "sq_xnnpack_q8.pte");
    assertEquals(4.0, m.get(BenchmarkReport.MEDIAN), 1e-9, "model-only: the runtime call");
    // Each request's tokenize stage holds the (scripted 1 s) tensor preparation; post-processing
    // (BIO decoding of the zero logits) advances no fake clock.
    assertEquals(1004.0, m.get(BenchmarkReport.E2E_MEDIAN), 1e-9);
    assertEquals(1000.0, m.get(BenchmarkReport.TOKENIZE_MEDIAN), 1e-9);
    assertEquals(0.0, m.get(BenchmarkReport.POSTPROCESS_MEDIAN), 1e-9);
    assertEquals(5.0, m.get(BenchmarkReport.MEDIAN_TOKENS), 1e-9);
  }

  @Test
  void modelFileRunsThatOneFileAndAnUnknownNameIsAnErrorSayingWhatToFix(@TempDir Path tmp)
      throws IOException {
    Path dir = taskDir(tmp, "a_xnnpack_fp32.pte", "b_xnnpack_q8.pte");
    FakeRuntime runtime = new FakeRuntime();
    runtime.durations = new double[] {1};
    new BenchmarkRunner(runtime, () -> runtime.now)
        .run(dir, new BenchmarkConfig(2, 0, 1, 8, "b_xnnpack_q8.pte"), DEVICE, null);
    assertEquals("load b_xnnpack_q8.pte threads=1", runtime.events.get(0));
    assertEquals(1, runtime.events.stream().filter(e -> e.startsWith("load")).count());
    NoSuchFileException missing =
        assertThrows(
            NoSuchFileException.class,
            () -> new BenchmarkRunner(runtime, () -> runtime.now)
                .run(dir, new BenchmarkConfig(2, 0, 1, 8, "c.pte"), DEVICE, null));
    assertTrue(missing.getMessage().contains("--es model_file"), missing.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new BenchmarkConfig(2, 0, 1, 8, "../x.pte"));
  }
}
