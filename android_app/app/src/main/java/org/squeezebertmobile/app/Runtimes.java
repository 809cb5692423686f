package org.squeezebertmobile.app;

import java.util.EnumMap;
import java.util.Map;
import org.squeezebertmobile.core.bench.InferenceBackend;
import org.squeezebertmobile.core.bench.ModelRuntime;
import org.squeezebertmobile.core.bench.RuntimeDispatch;
import org.squeezebertmobile.core.litert.LiteRtApi;

/**
 * The app's runtimes: which backend constructs each of core's {@link ModelRuntime}s. Which
 * runtime opens a file is core's {@link RuntimeDispatch}'s choice (by extension, JVM-tested);
 * the demo and the benchmark both load through the dispatch made here.
 */
final class Runtimes {
  private Runtimes() {}

  /** ExecuTorch for {@code .pte}, LiteRT through {@code litertApi} for {@code .tflite}. */
  static RuntimeDispatch dispatch(LiteRtApi litertApi) {
    Map<ModelRuntime, InferenceBackend> backends = new EnumMap<>(ModelRuntime.class);
    backends.put(ModelRuntime.EXECUTORCH, new ExecuTorchBackend());
    backends.put(ModelRuntime.LITERT, new LiteRtBackend(litertApi));
    return new RuntimeDispatch(backends);
  }
}
