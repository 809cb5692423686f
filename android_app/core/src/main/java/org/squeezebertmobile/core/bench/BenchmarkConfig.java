package org.squeezebertmobile.core.bench;

/**
 * The benchmark's settings as passed by {@code am start ... --ei num_iter N --ei
 * num_warm_up_iter W --ei num_threads T --ei seq_len L}; validated with messages that name the
 * extra to fix. {@code seq_len 0} ({@link #REAL_INPUTS}) times the real examples at their own
 * lengths, end to end, instead of fitting them to one length.
 */
public final class BenchmarkConfig {
  /** {@code --ei seq_len 0}: each real example at its own length, timed end to end too. */
  public static final int REAL_INPUTS = 0;

  public final int numIter;
  public final int numWarmUpIter;
  public final int numThreads;
  public final int seqLen;
  /** {@code --es model_file NAME}: run only this file of model_dir; null runs every file. */
  public final String modelFile;

  public BenchmarkConfig(int numIter, int numWarmUpIter, int numThreads, int seqLen) {
    this(numIter, numWarmUpIter, numThreads, seqLen, null);
  }

  public BenchmarkConfig(
      int numIter, int numWarmUpIter, int numThreads, int seqLen, String modelFile) {
    if (modelFile != null && (modelFile.isEmpty() || modelFile.contains("/"))) {
      throw new IllegalArgumentException(
          "model_file must be a file name in model_dir, got \"" + modelFile + "\"");
    }
    this.modelFile = modelFile;
    if (numIter < 1) {
      throw new IllegalArgumentException("num_iter must be at least 1, got " + numIter);
    }
    if (numWarmUpIter < 0) {
      throw new IllegalArgumentException("num_warm_up_iter must be >= 0, got " + numWarmUpIter);
    }
    if (numThreads < 1) {
      // 0 would mean "the runtime's default" (half the cores): never what a benchmark wants.
      throw new IllegalArgumentException(
          "num_threads must be at least 1 (pass --ei num_threads 1), got " + numThreads);
    }
    if (seqLen < 2 && seqLen != REAL_INPUTS) {
      throw new IllegalArgumentException(
          "seq_len must be at least 2, or 0 for the real inputs at their own lengths, got "
              + seqLen);
    }
    this.numIter = numIter;
    this.numWarmUpIter = numWarmUpIter;
    this.numThreads = numThreads;
    this.seqLen = seqLen;
  }

  /** True for the real-traffic run (each example at its own length). */
  public boolean realInputs() {
    return seqLen == REAL_INPUTS;
  }
}
