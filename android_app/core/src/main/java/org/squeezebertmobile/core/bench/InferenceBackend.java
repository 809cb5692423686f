package org.squeezebertmobile.core.bench;

import java.nio.file.Path;

/**
 * The runtime the benchmark times, reduced to what it needs: load a model with a thread count,
 * turn inputs into the runtime's tensors, run one forward pass. The app implements it with
 * ExecuTorch's {@code Module}; keeping the benchmark procedure behind this boundary lets it be
 * tested on the JVM.
 */
public interface InferenceBackend {
  /**
   * Loads {@code model} so that it runs on exactly {@code numThreads} threads, and prepares its
   * forward method (that preparation is part of the measured model load).
   */
  Session<?> load(Path model, int numThreads) throws BackendException;

  /**
   * The runtime API that loads {@code model} (e.g. LiteRT's {@code CompiledModel} or {@code
   * Interpreter}), recorded as {@code runtimeApi} in every entry so results from two APIs of one
   * runtime are told apart; null when the backend has one API only.
   */
  default String api(Path model) {
    return null;
  }

  /**
   * A loaded model.
   *
   * @param <I> the runtime's ready-to-run input, built before timing starts
   */
  interface Session<I> extends AutoCloseable {
    /**
     * Converts int64 inputs of shape [1, L] (and the masked-LM {@code maskPositions} [1, M], null
     * for other tasks) into runtime tensors (not timed).
     */
    I prepare(long[] inputIds, long[] attentionMask, long[] maskPositions)
        throws BackendException;

    /** One forward pass; outputs are discarded. */
    void forward(I input) throws BackendException;

    /**
     * One forward pass that reads the logits back, flattened, with padding the runtime needed
     * dropped (a LiteRT signature's padded rows): what the app's post-processing consumes.
     */
    float[] logits(I input) throws BackendException;

    @Override
    void close();
  }

  /** A runtime failure with the runtime's error code (non-zero). */
  final class BackendException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    public BackendException(int status, String message, Throwable cause) {
      super(message, cause);
      this.status = status == 0 ? 1 : status;
    }

    /** The error code, never 0 (a failure without a code is reported as 1, "internal"). */
    public int status() {
      return status;
    }
  }
}
