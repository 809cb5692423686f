package org.squeezebertmobile.core.bench;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * One {@link InferenceBackend} per runtime, chosen by each model file's extension: the one place
 * that decides which runtime opens a file. The app supplies only the backends (its {@code
 * Runtimes}); the benchmark times a task directory holding both {@code .pte} and {@code .tflite}
 * files in one run, and the demo loads the file the user picked, both through this choice.
 */
public final class RuntimeDispatch implements InferenceBackend {
  /** Reported for a model file that no runtime of this build reads. */
  public static final int STATUS_NOT_SUPPORTED = 0x10;

  private final Map<ModelRuntime, InferenceBackend> backends;

  public RuntimeDispatch(Map<ModelRuntime, InferenceBackend> backends) {
    this.backends = new EnumMap<>(backends);
  }

  @Override
  public Session<?> load(Path model, int numThreads) throws BackendException {
    InferenceBackend backend = backendOf(model);
    if (backend == null) {
      throw new BackendException(STATUS_NOT_SUPPORTED, unsupported(model), null);
    }
    return backend.load(model, numThreads);
  }

  @Override
  public String api(Path model) {
    InferenceBackend backend = backendOf(model);
    return backend == null ? null : backend.api(model);
  }

  /** Names the file and what this app reads instead, e.g. "... reads .pte or .tflite files". */
  private String unsupported(Path model) {
    StringBuilder readable = new StringBuilder();
    for (ModelRuntime runtime : backends.keySet()) {
      readable.append(readable.length() == 0 ? "" : " or ").append(runtime.extension());
    }
    return "no runtime in this app reads " + model.getFileName() + ": pick a "
        + (readable.length() == 0 ? "model" : readable) + " file";
  }

  private InferenceBackend backendOf(Path model) {
    ModelRuntime runtime = ModelRuntime.forFile(model);
    return runtime == null ? null : backends.get(runtime);
  }
}
