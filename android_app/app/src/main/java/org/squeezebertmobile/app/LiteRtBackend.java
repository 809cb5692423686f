package org.squeezebertmobile.app;

import java.io.FileNotFoundException;
import java.nio.file.Path;
import org.squeezebertmobile.core.bench.InferenceBackend;

/** The benchmark's runtime boundary implemented with LiteRT (see core's BenchmarkRunner). */
final class LiteRtBackend implements InferenceBackend {
  /** LiteRT's Java API reports failures as IllegalArgumentException/IllegalStateException only. */
  private static final int NOT_FOUND = 0x20;
  private static final int INTERNAL = 0x01;

  @Override
  public Session<LiteRtModel.Prepared> load(Path model, int numThreads) throws BackendException {
    try {
      return new ModelSession(LiteRtModel.load(model.toFile(), numThreads));
    } catch (FileNotFoundException e) {
      throw new BackendException(NOT_FOUND, e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new BackendException(INTERNAL, String.valueOf(e.getMessage()), e);
    }
  }

  private static final class ModelSession implements Session<LiteRtModel.Prepared> {
    private final LiteRtModel model;

    ModelSession(LiteRtModel model) {
      this.model = model;
    }

    @Override
    public LiteRtModel.Prepared prepare(
        long[] inputIds, long[] attentionMask, long[] maskPositions) throws BackendException {
      try {
        return model.prepare(inputIds, attentionMask, maskPositions);
      } catch (RuntimeException e) {
        throw new BackendException(INTERNAL, String.valueOf(e.getMessage()), e);
      }
    }

    @Override
    public void forward(LiteRtModel.Prepared input) throws BackendException {
      try {
        model.run(input);
      } catch (RuntimeException e) {
        throw new BackendException(INTERNAL, String.valueOf(e.getMessage()), e);
      }
    }

    @Override
    public float[] logits(LiteRtModel.Prepared input) throws BackendException {
      try {
        return model.logits(input);
      } catch (RuntimeException e) {
        throw new BackendException(INTERNAL, String.valueOf(e.getMessage()), e);
      }
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
