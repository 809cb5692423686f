package org.squeezebertmobile.app;

import com.google.ai.edge.litert.Accelerator;
import com.google.ai.edge.litert.CompiledModel;
import com.google.ai.edge.litert.LiteRtException;
import com.google.ai.edge.litert.TensorBuffer;
import com.google.ai.edge.litert.TensorType;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.squeezebertmobile.core.litert.LiteRtSignatures;
import org.squeezebertmobile.core.litert.TfliteSignatureKeys;

/**
 * An exported {@code .tflite} loaded with LiteRT's {@code CompiledModel}, the app's default
 * LiteRT API (android_app/README.md, "CompiledModel, with XNNPACK's weight cache").
 *
 * <p>Why this API: a file holds one static signature per length (up to 6 by default), and
 * XNNPACK packs every signature's weights separately unless it has a weight cache. Only {@code
 * CompiledModel.CpuOptions} reach that cache; with {@code ":memory"} (XNNPACK's {@code
 * kInMemoryCachePath}) each constant buffer is packed once for all signatures, nothing is
 * written to disk and no cache file can go stale: what the Python verification runs
 * (export/backends/litert_runtime.py; full-size SqueezeBERT int8: 149 MB peak RSS vs 457 MB).
 *
 * <p>Buffers: one set per signature (inputs by name and the output), created on the signature's
 * first use and reused by every later request; a fixed-length benchmark touches one signature.
 *
 * <p>API as in google-ai-edge/LiteRT v2.2.0 {@code litert/kotlin/src/main/kotlin/com/google/ai/
 * edge/litert/{Model,TensorBuffer,Common}.kt} (unchanged up to the newest snapshot), called from
 * Java: {@code CpuOptions} has no {@code @JvmOverloads}, so its full constructor; {@code
 * create} is {@code @JvmStatic @JvmOverloads}. The Kotlin API cannot list signatures, so core's
 * {@link TfliteSignatureKeys} reads them from the file.
 *
 * <p>Not thread-safe: use one instance from one worker thread.
 */
final class LiteRtCompiledModel implements LiteRtRunner<List<LiteRtSignatures.Feed>> {
  /** XNNPACK's in-memory weight cache (tflite/delegates/xnnpack/weight_cache.h). */
  static final String WEIGHT_CACHE = ":memory";

  private final CompiledModel model;
  private final LiteRtSignatures signatures;
  private final Map<String, Buffers> buffers = new HashMap<>();

  /** One signature's reused tensor buffers and its output shape. */
  private static final class Buffers {
    final Map<String, TensorBuffer> inputs = new HashMap<>();
    final Map<String, TensorBuffer> outputs = new HashMap<>();
    int[] outputShape;
  }

  private LiteRtCompiledModel(CompiledModel model, LiteRtSignatures signatures) {
    this.model = model;
    this.signatures = signatures;
  }

  /** Loads {@code tflite} on exactly {@code numThreads} threads, weights packed once. */
  static LiteRtCompiledModel load(File tflite, int numThreads) throws FileNotFoundException {
    LiteRtSignatures signatures;
    try {
      signatures = LiteRtSignatures.fromKeys(TfliteSignatureKeys.read(tflite.toPath()));
    } catch (FileNotFoundException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + tflite + ": " + e.getMessage(), e);
    }
    CompiledModel.Options options = new CompiledModel.Options(Accelerator.CPU);
    // Kotlin's CpuOptions(numThreads, xnnPackFlags, xnnPackWeightCachePath): null flags keep
    // XNNPACK's defaults.
    options.setCpuOptions(new CompiledModel.CpuOptions(numThreads, null, WEIGHT_CACHE));
    try {
      return new LiteRtCompiledModel(
          CompiledModel.create(tflite.getAbsolutePath(), options), signatures);
    } catch (LiteRtException e) {
      throw failure("load " + tflite.getName(), e);
    }
  }

  private static IllegalStateException failure(String what, LiteRtException e) {
    return new IllegalStateException("LiteRT CompiledModel cannot " + what + ": "
        + e.getMessage(), e);
  }

  @Override
  public List<LiteRtSignatures.Feed> prepare(
      long[] inputIds, long[] attentionMask, long[] maskPositions) {
    return signatures.feeds(inputIds, attentionMask, maskPositions);
  }

  /** The signature's buffers, created on its first use. */
  private Buffers buffersOf(LiteRtSignatures.Feed feed) throws LiteRtException {
    Buffers b = buffers.get(feed.signature);
    if (b != null) {
      return b;
    }
    b = new Buffers();
    b.inputs.put(LiteRtSignatures.INPUT_IDS, input(LiteRtSignatures.INPUT_IDS, feed));
    b.inputs.put(LiteRtSignatures.ATTENTION_MASK, input(LiteRtSignatures.ATTENTION_MASK, feed));
    if (feed.maskPositions != null) {
      b.inputs.put(LiteRtSignatures.MASK_POSITIONS, input(LiteRtSignatures.MASK_POSITIONS, feed));
    }
    b.outputs.put(
        LiteRtSignatures.OUTPUT, model.createOutputBuffer(LiteRtSignatures.OUTPUT, feed.signature));
    TensorType.Layout layout =
        model.getOutputTensorType(LiteRtSignatures.OUTPUT, feed.signature).getLayout();
    if (layout == null) {
      throw new IllegalStateException(feed.signature + " reports no output shape");
    }
    b.outputShape = layout.getDimensions().stream().mapToInt(Integer::intValue).toArray();
    buffers.put(feed.signature, b); // only once complete: a failed creation is retried
    return b;
  }

  private TensorBuffer input(String name, LiteRtSignatures.Feed feed) throws LiteRtException {
    return model.createInputBuffer(name, feed.signature);
  }

  /** Writes feed {@code feed}'s int32 inputs and runs its signature into its output buffer. */
  private Buffers run(LiteRtSignatures.Feed feed) throws LiteRtException {
    Buffers b = buffersOf(feed);
    b.inputs.get(LiteRtSignatures.INPUT_IDS).writeInt(feed.inputIds[0]);
    b.inputs.get(LiteRtSignatures.ATTENTION_MASK).writeInt(feed.attentionMask[0]);
    if (feed.maskPositions != null) {
      b.inputs.get(LiteRtSignatures.MASK_POSITIONS).writeInt(feed.maskPositions[0]);
    }
    model.run(b.inputs, b.outputs, feed.signature);
    return b;
  }

  @Override
  public void run(List<LiteRtSignatures.Feed> prepared) {
    for (LiteRtSignatures.Feed feed : prepared) {
      try {
        run(feed);
      } catch (LiteRtException e) {
        throw failure("run " + feed.signature, e);
      }
    }
  }

  @Override
  public float[] logits(List<LiteRtSignatures.Feed> prepared) {
    List<float[]> parts = new ArrayList<>();
    for (LiteRtSignatures.Feed feed : prepared) {
      try {
        Buffers b = run(feed);
        float[] flat = b.outputs.get(LiteRtSignatures.OUTPUT).readFloat();
        parts.add(LiteRtSignatures.realLogits(flat, b.outputShape, feed.rows));
      } catch (LiteRtException e) {
        throw failure("run " + feed.signature, e);
      }
    }
    return parts.size() == 1 ? parts.get(0) : LiteRtSignatures.concat(parts);
  }

  @Override
  public void close() {
    for (Buffers b : buffers.values()) {
      b.inputs.values().forEach(TensorBuffer::close);
      b.outputs.values().forEach(TensorBuffer::close);
    }
    buffers.clear();
    model.close();
  }
}
