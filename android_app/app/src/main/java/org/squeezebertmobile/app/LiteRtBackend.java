package org.squeezebertmobile.app;

import java.io.FileNotFoundException;
import java.nio.file.Path;
import org.squeezebertmobile.core.bench.InferenceBackend;
import org.squeezebertmobile.core.litert.LiteRtApi;

/**
 * The benchmark's runtime boundary implemented with LiteRT (see core's BenchmarkRunner), through
 * the API the run asked for ({@code --es litert_api compiled|interpreter}, CompiledModel by
 * default); every record names it ({@code runtimeApi}).
 */
final class LiteRtBackend implements InferenceBackend {
  /** LiteRT failures reach here as IllegalArgumentException/IllegalStateException only. */
  private static final int NOT_FOUND = 0x20;
  private static final int INTERNAL = 0x01;

  private final LiteRtApi api;

  LiteRtBackend(LiteRtApi api) {
    this.api = api;
  }

  @Override
  public String api(Path model) {
    return api.apiName();
  }

  @Override
  public Session<?> load(Path model, int numThreads) throws BackendException {
    try {
      return sessionOf(LiteRtRunner.load(api, model.toFile(), numThreads));
    } catch (FileNotFoundException e) {
      throw new BackendException(NOT_FOUND, e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new BackendException(INTERNAL, String.valueOf(e.getMessage()), e);
    }
  }

  private static <P> Session<P> sessionOf(LiteRtRunner<P> model) {
    return new ModelSession<>(model);
  }

  private static final class ModelSession<P> implements Session<P> {
    private final LiteRtRunner<P> model;

    ModelSession(LiteRtRunner<P> model) {
      this.model = model;
    }

    @Override
    public P prepare(long[] inputIds, long[] attentionMask, long[] maskPositions)
        throws BackendException {
      try {
        return model.prepare(inputIds, attentionMask, maskPositions);
      } catch (RuntimeException e) {
        throw new BackendException(INTERNAL, String.valueOf(e.getMessage()), e);
      }
    }

    @Override
    public void forward(P input) throws BackendException {
      try {
        model.run(input);
      } catch (RuntimeException e) {
        throw new BackendException(INTERNAL, String.valueOf(e.getMessage()), e);
      }
    }

    @Override
    public float[] logits(P input) throws BackendException {
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
