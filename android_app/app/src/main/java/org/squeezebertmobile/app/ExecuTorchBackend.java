package org.squeezebertmobile.app;

import java.io.FileNotFoundException;
import java.nio.file.Path;
import org.pytorch.executorch.EValue;
import org.pytorch.executorch.ExecutorchRuntimeException;
import org.squeezebertmobile.core.bench.ExecuTorchErrorCode;
import org.squeezebertmobile.core.bench.InferenceBackend;

/** The benchmark's runtime boundary implemented with ExecuTorch (see core's BenchmarkRunner). */
final class ExecuTorchBackend implements InferenceBackend {
  /** ExecuTorch's Error::NotFound. */
  private static final int NOT_FOUND = 0x20;
  /** ExecuTorch's Error::Internal, for failures that carry no runtime code. */
  private static final int INTERNAL = 0x01;

  @Override
  public Session<EValue[]> load(Path model, int numThreads) throws BackendException {
    try {
      return new ModelSession(ExecuTorchModel.load(model.toFile(), numThreads));
    } catch (FileNotFoundException e) {
      throw new BackendException(NOT_FOUND, e.getMessage(), e);
    } catch (ExecutorchRuntimeException e) {
      throw new BackendException(e.getErrorCode(), e.getMessage(), e);
    } catch (RuntimeException e) {
      // Some releases throw a corrupt program's 0x12 as an IllegalArgumentException subclass.
      throw new BackendException(
          ExecuTorchErrorCode.of(e, INTERNAL), String.valueOf(e.getMessage()), e);
    }
  }

  private static final class ModelSession implements Session<EValue[]> {
    private final ExecuTorchModel model;

    ModelSession(ExecuTorchModel model) {
      this.model = model;
    }

    @Override
    public EValue[] prepare(long[] inputIds, long[] attentionMask, long[] maskPositions) {
      return ExecuTorchModel.inputs(inputIds, attentionMask, maskPositions);
    }

    @Override
    public void forward(EValue[] input) throws BackendException {
      try {
        model.run(input);
      } catch (ExecutorchRuntimeException e) {
        throw new BackendException(e.getErrorCode(), e.getMessage(), e);
      } catch (RuntimeException e) {
        throw new BackendException(
            ExecuTorchErrorCode.of(e, INTERNAL), String.valueOf(e.getMessage()), e);
      }
    }

    @Override
    public float[] logits(EValue[] input) throws BackendException {
      try {
        return model.logits(input);
      } catch (ExecutorchRuntimeException e) {
        throw new BackendException(e.getErrorCode(), e.getMessage(), e);
      } catch (RuntimeException e) {
        throw new BackendException(
            ExecuTorchErrorCode.of(e, INTERNAL), String.valueOf(e.getMessage()), e);
      }
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
