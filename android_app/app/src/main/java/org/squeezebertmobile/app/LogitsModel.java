package org.squeezebertmobile.app;

import java.io.File;
import java.io.FileNotFoundException;
import org.squeezebertmobile.core.bench.ModelRuntime;
import org.squeezebertmobile.core.litert.LiteRtApi;

/**
 * What the demo needs from a runtime: int64 [1, L] inputs (and the fill-mask model's {@code
 * maskPositions} [1, M], null for other tasks) in, flattened float32 logits out ([1, M, V] for
 * fill-mask).
 */
interface LogitsModel extends AutoCloseable {
  float[] logits(long[] inputIds, long[] attentionMask, long[] maskPositions);

  @Override
  void close();

  /**
   * Loads {@code file} with the runtime its extension names (.pte ExecuTorch, .tflite LiteRT
   * through its default API, CompiledModel with the weight cache).
   */
  static LogitsModel load(File file, int numThreads) throws FileNotFoundException {
    ModelRuntime runtime = ModelRuntime.forFile(file.getName());
    if (runtime == ModelRuntime.LITERT) {
      return LiteRtRunner.load(LiteRtApi.DEFAULT, file, numThreads);
    }
    if (runtime == ModelRuntime.EXECUTORCH) {
      return ExecuTorchModel.load(file, numThreads);
    }
    throw new IllegalArgumentException(file.getName() + " is neither a .pte nor a .tflite file");
  }
}
