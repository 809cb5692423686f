package org.squeezebertmobile.app;

import android.app.Activity;
import android.app.ActivityManager;
import android.content.Intent;
import android.os.Build;
import android.os.Bundle;
import android.os.Debug;
import android.util.Log;
import android.widget.TextView;
import java.io.IOException;
import java.nio.file.Paths;
import org.squeezebertmobile.core.bench.BenchmarkConfig;
import org.squeezebertmobile.core.bench.BenchmarkJob;
import org.squeezebertmobile.core.bench.BenchmarkRunner;
import org.squeezebertmobile.core.bench.DeviceInfo;
import org.squeezebertmobile.core.device.LinuxProbe;
import org.squeezebertmobile.core.litert.LiteRtApi;

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
 * <p>{@code --es litert_api interpreter} runs {@code .tflite} files through LiteRT's {@code
 * Interpreter} instead of the default {@code CompiledModel} (core's LiteRtApi); every record
 * names the API ({@code runtimeApi}).
 *
 * <p>{@code --es model_file NAME} runs that one file only (runtime_bench starts one fresh process
 * per artifact, so each load is gated and its peak RSS is its own). {@code --ei seq_len 0} times
 * the real examples at their own lengths instead, end to end (tokenize, runtime call,
 * post-processing) as well as model-only. Every timed sample records
 * the core it ran on and that core's clock; PSS ({@code Debug.getPss}) and peak RSS are read
 * after each model's load and after its timed runs (core's BenchmarkRunner).
 *
 * <p>Runs every {@code .pte} (ExecuTorch) and {@code .tflite} (LiteRT) in {@code model_dir}, each
 * through the runtime core's RuntimeDispatch picks ({@link Runtimes}), on the real examples of
 * its {@code bench_inputs.json} (procedure: core's {@link BenchmarkRunner}) and writes {@code
 * files/benchmark_results.json} after each model, atomically, so a reader polling the file never
 * sees half a write. A run that cannot start or finish (bad extra, missing files, a missing
 * native library) writes {@code files/benchmark_error.txt} with a one-line reason instead (core's
 * {@link BenchmarkJob}). Both files are deleted when a run starts. Read them with {@code adb shell
 * run-as org.squeezebertmobile.app cat files/...}.
 *
 * <p>A debugging entry point: the manifest enables it only in debuggable builds and lets only
 * holders of {@code android.permission.DUMP} start it, which the adb shell user is and
 * third-party apps cannot be (android_app/README.md, "Who can start BenchmarkActivity").
 */
public final class BenchmarkActivity extends Activity {
  static final String TAG = "SqueezeBertBench";

  private TextView log;

  @Override
  protected void onCreate(Bundle savedInstanceState) {
    super.onCreate(savedInstanceState);
    setContentView(R.layout.activity_benchmark);
    log = findViewById(R.id.benchmark_log);
    BenchmarkJob job = new BenchmarkJob(getFilesDir().toPath());
    try {
      job.clear();
    } catch (IOException e) {
      Log.w(TAG, "cannot delete the previous run's outcome", e);
    }

    Intent intent = getIntent();
    String modelDir = intent.getStringExtra("model_dir");
    BenchmarkConfig config;
    LiteRtApi litertApi;
    try {
      litertApi = LiteRtApi.parse(intent.getStringExtra(LiteRtApi.EXTRA));
      if (modelDir == null || modelDir.isEmpty()) {
        throw new IllegalArgumentException(
            "missing --es model_dir DIR (a pushed task directory with .pte files)");
      }
      config =
          new BenchmarkConfig(
              intent.getIntExtra("num_iter", 50),
              intent.getIntExtra("num_warm_up_iter", 10),
              intent.getIntExtra("num_threads", 1),
              intent.getIntExtra("seq_len", 128),
              intent.getStringExtra("model_file"));
    } catch (IllegalArgumentException e) {
      show(job.fail(e));
      return;
    }
    append(getString(R.string.benchmark_running, modelDir, config.seqLen, config.numThreads));
    Thread thread =
        new Thread(
            () -> benchmark(job, modelDir, config, litertApi), "squeezebert-benchmark");
    thread.start();
  }

  /** Runs on the worker thread; BenchmarkJob turns every failure, Errors included, into
   * benchmark_error.txt, so the thread always ends with an outcome on disk. */
  private void benchmark(
      BenchmarkJob job, String modelDir, BenchmarkConfig config, LiteRtApi litertApi) {
    String error =
        job.run(
            () ->
                new BenchmarkRunner(
                    Runtimes.dispatch(litertApi),
                    System::nanoTime,
                    // Core and clock per sample from /proc and /sys; PSS from the platform.
                    new LinuxProbe(Paths.get("/proc"), Paths.get("/"), Debug::getPss)),
            Paths.get(modelDir),
            config,
            this::deviceInfo,
            model -> runOnUiThread(() -> append("done " + model.getFileName())));
    if (error != null) {
      runOnUiThread(() -> show(error));
      return;
    }
    Log.i(TAG, "benchmark finished");
    runOnUiThread(
        () -> {
          append(getString(R.string.benchmark_done, getFilesDir().getAbsolutePath()));
          finish();
        });
  }

  private void show(String errorLine) {
    Log.e(TAG, errorLine);
    append(errorLine);
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

  private void append(String line) {
    log.append(line + "\n");
  }
}
