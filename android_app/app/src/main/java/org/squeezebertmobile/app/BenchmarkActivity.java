package org.squeezebertmobile.app;

import android.app.Activity;
import android.app.ActivityManager;
import android.content.Intent;
import android.os.Build;
import android.os.Bundle;
import android.util.Log;
import android.widget.TextView;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.Map;
import org.squeezebertmobile.core.bench.BenchmarkConfig;
import org.squeezebertmobile.core.bench.BenchmarkReport;
import org.squeezebertmobile.core.bench.BenchmarkRunner;
import org.squeezebertmobile.core.bench.DeviceInfo;
import org.squeezebertmobile.core.bench.InferenceBackend;
import org.squeezebertmobile.core.bench.ModelRuntime;
import org.squeezebertmobile.core.bench.RuntimeDispatch;

/**
 * Latency benchmark driven over adb, single-threaded by default (ExecuTorch's own benchmark app
 * always uses its default thread pool):
 *
 * <pre>
 * adb shell am start -W -S -n org.squeezebertmobile.app/.BenchmarkActivity \
 *   --es model_dir /data/local/tmp/squeezebert-mobile/TAG/TASK \
 *   --ei num_iter 50 --ei num_warm_up_iter 5 --ei num_threads 1 --ei seq_len 128
 * </pre>
 *
 * <p>Runs every {@code .pte} (ExecuTorch) and {@code .tflite} (LiteRT) in {@code model_dir} on the real examples of its {@code
 * bench_inputs.json} (procedure: core's {@link BenchmarkRunner}) and writes {@code
 * files/benchmark_results.json} after each model, atomically, so a reader polling the file never
 * sees half a write. A run that cannot start (bad extra, missing files) writes {@code
 * files/benchmark_error.txt} with a one-line reason instead. Both files are deleted when a run
 * starts. Read them with {@code adb shell run-as org.squeezebertmobile.app cat files/...}.
 */
public final class BenchmarkActivity extends Activity {
  static final String TAG = "SqueezeBertBench";
  static final String ERROR_FILE = "benchmark_error.txt";

  private TextView log;

  @Override
  protected void onCreate(Bundle savedInstanceState) {
    super.onCreate(savedInstanceState);
    setContentView(R.layout.activity_benchmark);
    log = findViewById(R.id.benchmark_log);
    File results = new File(getFilesDir(), BenchmarkReport.FILE_NAME);
    File error = new File(getFilesDir(), ERROR_FILE);
    results.delete();
    error.delete();

    Intent intent = getIntent();
    String modelDir = intent.getStringExtra("model_dir");
    BenchmarkConfig config;
    try {
      if (modelDir == null || modelDir.isEmpty()) {
        throw new IllegalArgumentException(
            "missing --es model_dir DIR (a pushed task directory with .pte files)");
      }
      config =
          new BenchmarkConfig(
              intent.getIntExtra("num_iter", 50),
              intent.getIntExtra("num_warm_up_iter", 10),
              intent.getIntExtra("num_threads", 1),
              intent.getIntExtra("seq_len", 128));
    } catch (IllegalArgumentException e) {
      fail(error, e.getMessage());
      return;
    }
    append(getString(R.string.benchmark_running, modelDir, config.seqLen, config.numThreads));
    Thread thread =
        new Thread(() -> benchmark(modelDir, config, results, error), "squeezebert-benchmark");
    thread.start();
  }

  private void benchmark(String modelDir, BenchmarkConfig config, File results, File error) {
    try {
      InferenceBackend runtimes =
          new RuntimeDispatch(
              Map.of(
                  ModelRuntime.EXECUTORCH, new ExecuTorchBackend(),
                  ModelRuntime.LITERT, new LiteRtBackend()));
      BenchmarkRunner runner = new BenchmarkRunner(runtimes, System::nanoTime);
      runner.run(
          Paths.get(modelDir),
          config,
          deviceInfo(),
          (model, report) -> {
            writeAtomically(results, report.toJson());
            runOnUiThread(() -> append("done " + model.getFileName()));
          });
      Log.i(TAG, "benchmark finished: " + results);
      runOnUiThread(
          () -> {
            append(getString(R.string.benchmark_done, results.getAbsolutePath()));
            finish();
          });
    } catch (IOException | RuntimeException e) {
      runOnUiThread(() -> fail(error, String.valueOf(e.getMessage())));
    }
  }

  private void fail(File error, String message) {
    String line = "benchmark failed: " + message.replace('\n', ' ');
    Log.e(TAG, line);
    append(line);
    try {
      writeAtomically(error, line + "\n");
    } catch (IOException e) {
      Log.e(TAG, "cannot write " + error, e);
    }
  }

  private DeviceInfo deviceInfo() {
    ActivityManager.MemoryInfo memory = new ActivityManager.MemoryInfo();
    ActivityManager manager = getSystemService(ActivityManager.class);
    if (manager != null) {
      manager.getMemoryInfo(memory);
    }
    String soc =
        Build.VERSION.SDK_INT >= Build.VERSION_CODES.S
            ? Build.SOC_MODEL
            : Build.HARDWARE;
    return new DeviceInfo(
        Build.BRAND,
        Build.MODEL,
        soc,
        DeviceInfo.osName(Build.VERSION.RELEASE),
        memory.totalMem,
        memory.availMem);
  }

  /** Writes via a temporary file and a rename, so readers see the old or the new content. */
  private static void writeAtomically(File target, String content) throws IOException {
    File tmp = new File(target.getPath() + ".tmp");
    try (OutputStream out = new FileOutputStream(tmp)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
    if (!tmp.renameTo(target)) {
      throw new IOException("cannot rename " + tmp + " to " + target);
    }
  }

  private void append(String line) {
    log.append(line + "\n");
  }
}
