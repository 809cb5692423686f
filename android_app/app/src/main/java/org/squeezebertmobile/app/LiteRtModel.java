package org.squeezebertmobile.app;

import java.io.File;
import java.io.FileNotFoundException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.squeezebertmobile.core.litert.LiteRtSignatures;
import org.tensorflow.lite.Interpreter;
import org.tensorflow.lite.Tensor;

/**
 * An exported {@code .tflite} loaded with LiteRT's {@code Interpreter}: the only class of the app
 * that talks to LiteRT. The file holds one static signature per sequence length; core's {@link
 * LiteRtSignatures} picks it and pads the int64 contract inputs to its int32 tensors (a fill-mask
 * file's {@code mask_positions} to the signature's static count).
 *
 * <p>API as in google-ai-edge/LiteRT ({@code litert/kotlin/src/copied_from_tflite/java/org/
 * tensorflow/lite/Interpreter.java}, {@code InterpreterApi.java}): {@code new Interpreter(File,
 * Interpreter.Options)}, {@code Options.setNumThreads}, {@code getSignatureKeys}, {@code
 * getOutputTensorFromSignature} and {@code runSignature(inputs, outputs, signatureKey)}.
 *
 * <p>Not thread-safe: use one instance from one worker thread.
 */
final class LiteRtModel implements AutoCloseable, LogitsModel {
  private final Interpreter interpreter;
  private final LiteRtSignatures signatures;

  private LiteRtModel(Interpreter interpreter) {
    this.interpreter = interpreter;
    this.signatures = LiteRtSignatures.fromKeys(interpreter.getSignatureKeys());
  }

  /**
   * Loads {@code tflite} on exactly {@code numThreads} threads (LiteRT's default, -1, lets the
   * runtime choose; callers always pass an explicit count). XNNPACK is on by default.
   */
  static LiteRtModel load(File tflite, int numThreads) throws FileNotFoundException {
    if (!tflite.isFile()) {
      throw new FileNotFoundException(tflite + " does not exist: push the exported .tflite there");
    }
    Interpreter interpreter =
        new Interpreter(tflite, new Interpreter.Options().setNumThreads(numThreads));
    try {
      return new LiteRtModel(interpreter);
    } catch (RuntimeException e) {
      interpreter.close();
      throw e;
    }
  }

  /** A ready-to-run input: the signature's tensors and a reusable output buffer. */
  static final class Prepared {
    final LiteRtSignatures.Feed feed;
    final Map<String, Object> inputs = new HashMap<>();
    final Map<String, Object> outputs = new HashMap<>();
    final ByteBuffer output;
    final int[] outputShape;

    Prepared(LiteRtSignatures.Feed feed, Tensor outputTensor) {
      this.feed = feed;
      inputs.put(LiteRtSignatures.INPUT_IDS, feed.inputIds);
      inputs.put(LiteRtSignatures.ATTENTION_MASK, feed.attentionMask);
      if (feed.maskPositions != null) {
        inputs.put(LiteRtSignatures.MASK_POSITIONS, feed.maskPositions);
      }
      outputShape = outputTensor.shape();
      output = ByteBuffer.allocateDirect(outputTensor.numBytes()).order(ByteOrder.nativeOrder());
      outputs.put(LiteRtSignatures.OUTPUT, output);
    }
  }

  /** Builds the inputs once, so copies stay out of timings ({@code maskPositions} may be null). */
  Prepared prepare(long[] inputIds, long[] attentionMask, long[] maskPositions) {
    LiteRtSignatures.Feed feed = signatures.feed(inputIds, attentionMask, maskPositions);
    return new Prepared(
        feed, interpreter.getOutputTensorFromSignature(LiteRtSignatures.OUTPUT, feed.signature));
  }

  /** Runs the signature; the output lands in {@code prepared.output}. */
  void run(Prepared prepared) {
    prepared.output.rewind();
    interpreter.runSignature(prepared.inputs, prepared.outputs, prepared.feed.signature);
  }

  @Override
  public float[] logits(long[] inputIds, long[] attentionMask, long[] maskPositions) {
    Prepared prepared = prepare(inputIds, attentionMask, maskPositions);
    run(prepared);
    prepared.output.rewind();
    float[] flat = new float[prepared.output.capacity() / Float.BYTES];
    prepared.output.asFloatBuffer().get(flat);
    return LiteRtSignatures.realLogits(flat, prepared.outputShape, prepared.feed.rows);
  }

  @Override
  public void close() {
    interpreter.close();
  }
}
