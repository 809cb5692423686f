package org.squeezebertmobile.app;

import java.io.File;
import java.io.FileNotFoundException;
import org.pytorch.executorch.EValue;
import org.pytorch.executorch.ExecutorchRuntimeException;
import org.pytorch.executorch.Module;
import org.pytorch.executorch.Tensor;

/**
 * An exported {@code .pte} program loaded with ExecuTorch: the only class of the app that talks
 * to the runtime. Inputs are the contract's int64 {@code input_ids} and {@code attention_mask} of
 * shape [1, L]; output 0 is the float32 logits.
 *
 * <p>Not thread-safe: use one instance from one worker thread.
 */
final class ExecuTorchModel implements AutoCloseable {
  private static final String METHOD = "forward";

  private final Module module;
  private final String path;

  private ExecuTorchModel(Module module, String path) {
    this.module = module;
    this.path = path;
  }

  /**
   * Loads {@code pte} memory-mapped, running on {@code numThreads} threads.
   *
   * <p>The thread count is passed to {@code Module.load}, which resizes ExecuTorch's thread pool:
   * 0 would mean the runtime's default (half the cores), so callers always pass an explicit
   * count. The forward method is loaded here, so load time covers program initialisation.
   */
  static ExecuTorchModel load(File pte, int numThreads) throws FileNotFoundException {
    if (!pte.isFile()) {
      throw new FileNotFoundException(pte + " does not exist: push the exported .pte there");
    }
    Module module = Module.load(pte.getAbsolutePath(), Module.LOAD_MODE_MMAP, numThreads);
    try {
      module.loadMethod(METHOD);
    } catch (RuntimeException e) {
      module.destroy();
      throw e;
    }
    return new ExecuTorchModel(module, pte.getAbsolutePath());
  }

  /**
   * Model inputs as runtime values; build once and reuse to keep copies out of timings. {@code
   * maskPositions} is the fill-mask model's third input [1, M]; null for the other tasks.
   */
  static EValue[] inputs(long[] inputIds, long[] attentionMask, long[] maskPositions) {
    long[] shape = {1, inputIds.length};
    EValue ids = EValue.from(Tensor.fromBlob(inputIds, shape));
    EValue mask = EValue.from(Tensor.fromBlob(attentionMask, shape));
    if (maskPositions == null) {
      return new EValue[] {ids, mask};
    }
    long[] masked = {1, maskPositions.length};
    return new EValue[] {ids, mask, EValue.from(Tensor.fromBlob(maskPositions, masked))};
  }

  /** Runs the program; returns output 0 (the logits) flattened. */
  float[] logits(EValue[] inputs) {
    EValue[] outputs = module.forward(inputs);
    if (outputs.length == 0) {
      throw new ExecutorchRuntimeException(0x01, path + " returned no outputs");
    }
    return outputs[0].toTensor().getDataAsFloatArray();
  }

  /** Runs the program and discards the outputs (benchmarking). */
  void run(EValue[] inputs) {
    module.forward(inputs);
  }

  @Override
  public void close() {
    module.destroy();
  }
}
