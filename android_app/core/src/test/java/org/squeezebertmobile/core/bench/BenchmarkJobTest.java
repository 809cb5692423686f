package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.squeezebertmobile.core.json.Json;

/**
 * Every run leaves an outcome BenchmarkActivity's reader (runtime_bench --adb) can see: the
 * results file or a one-line error file, whatever fails, including JVM Errors.
 */
class BenchmarkJobTest {
  private static final String TASK_JSON =
      "{\"task\": \"ner\", \"task_type\": \"token-classification\", \"max_length\": 100,"
          + " \"max_seq_len\": 512, \"input_names\": [\"input_ids\", \"attention_mask\"],"
          + " \"input_dtype\": \"int64\", \"output_name\": \"logits\","
          + " \"labels\": [\"O\", \"B-PER\"], \"do_lower_case\": true,"
          + " \"vocab_file\": \"vocab.txt\", \"special_tokens\": {\"pad\": 0, \"sep\": 102}}";
  private static final String INPUTS = "{\"examples\": [{\"input_ids\": [101, 5, 102]}]}";
  private static final DeviceInfo DEVICE =
      new DeviceInfo("google", "Pixel 8", "Tensor G3", "Android 14", 8L << 30, 4L << 30);
  private static final BenchmarkConfig CONFIG = new BenchmarkConfig(2, 0, 1, 8);

  /** A runtime whose load fails the way a missing libexecutorch.so fails on a phone. */
  private static final class MissingNativeLibrary implements InferenceBackend {
    @Override
    public Session<?> load(Path model, int numThreads) {
      throw new UnsatisfiedLinkError(
          "dlopen failed: library \"libexecutorch.so\" not found\n(from NativeLoader)");
    }
  }

  /** A runtime that loads every model; each forward pass takes no time. */
  private static final class Instant implements InferenceBackend {
    @Override
    public Session<long[]> load(Path model, int numThreads) {
      return new Session<long[]>() {
        @Override
        public long[] prepare(long[] ids, long[] mask, long[] maskPositions) {
          return ids;
        }

        @Override
        public void forward(long[] ids) {}

        @Override
        public float[] logits(long[] ids) {
          return new float[ids.length * 3];
        }

        @Override
        public void close() {}
      };
    }
  }

  private static Path taskDir(Path tmp, String... models) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Files.write(dir.resolve("task.json"), TASK_JSON.getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("bench_inputs.json"), INPUTS.getBytes(StandardCharsets.UTF_8));
    for (String m : models) {
      Files.write(dir.resolve(m), new byte[] {0});
    }
    return dir;
  }

  private static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }

  @Test
  void aMissingNativeLibraryWritesAOneLineErrorInsteadOfKillingTheThread(@TempDir Path tmp)
      throws IOException {
    Path dir = taskDir(tmp, "a_xnnpack_fp32.pte");
    Path files = Files.createDirectories(tmp.resolve("files"));
    BenchmarkJob job = new BenchmarkJob(files);
    String line =
        job.run(
            () -> new BenchmarkRunner(new MissingNativeLibrary(), System::nanoTime),
            dir, CONFIG, () -> DEVICE, model -> {});
    assertEquals(
        "benchmark failed: UnsatisfiedLinkError: dlopen failed: library \"libexecutorch.so\" "
            + "not found (from NativeLoader)",
        line);
    assertEquals(line + "\n", read(files.resolve(BenchmarkJob.ERROR_FILE)));
    assertFalse(Files.exists(files.resolve(BenchmarkReport.FILE_NAME)));
  }

  @Test
  void failuresBeforeTheFirstModelAlsoLeaveTheErrorFile(@TempDir Path tmp) throws IOException {
    Path files = Files.createDirectories(tmp.resolve("files"));
    BenchmarkJob job = new BenchmarkJob(files);
    String line =
        job.run(
            () -> new BenchmarkRunner(new Instant(), System::nanoTime),
            taskDir(tmp, "a_xnnpack_fp32.pte"),
            CONFIG,
            () -> {
              throw new IllegalStateException("ActivityManager unavailable");
            },
            model -> {});
    assertEquals("benchmark failed: IllegalStateException: ActivityManager unavailable", line);
    assertTrue(Files.exists(files.resolve(BenchmarkJob.ERROR_FILE)));
  }

  @Test
  void aMissingModelDirectoryKeepsItsOwnMessage(@TempDir Path tmp) throws IOException {
    Path files = Files.createDirectories(tmp.resolve("files"));
    String line =
        new BenchmarkJob(files)
            .run(
                () -> new BenchmarkRunner(new Instant(), System::nanoTime),
                tmp.resolve("nowhere"), CONFIG, () -> DEVICE, model -> {});
    assertTrue(line.startsWith("benchmark failed: "), line);
    assertTrue(line.contains("task.json"), line);
    assertFalse(line.contains("\n"));
  }

  @Test
  void aGoodRunWritesResultsAfterEveryModelAndNoErrorFile(@TempDir Path tmp) throws IOException {
    Path dir = taskDir(tmp, "a_xnnpack_fp32.pte", "b_xnnpack_q8.pte");
    Path files = Files.createDirectories(tmp.resolve("files"));
    Files.write(files.resolve(BenchmarkJob.ERROR_FILE), "stale\n".getBytes(StandardCharsets.UTF_8));
    BenchmarkJob job = new BenchmarkJob(files);
    job.clear();
    List<String> done = new ArrayList<>();
    assertNull(
        job.run(
            () -> new BenchmarkRunner(new Instant(), System::nanoTime),
            dir, CONFIG, () -> DEVICE, model -> done.add(model.getFileName().toString())));
    assertEquals(List.of("a_xnnpack_fp32.pte", "b_xnnpack_q8.pte"), done);
    assertEquals(26, Json.array(Json.parse(read(files.resolve(BenchmarkReport.FILE_NAME))), "r")
        .size());
    assertFalse(Files.exists(files.resolve(BenchmarkJob.ERROR_FILE)));
  }
}
