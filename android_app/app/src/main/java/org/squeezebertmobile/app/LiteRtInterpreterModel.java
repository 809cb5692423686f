package org.squeezebertmobile.app;

import java.io.File;
import java.io.FileNotFoundException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.squeezebertmobile.core.litert.LiteRtSignatures;
import org.tensorflow.lite.Interpreter;
import org.tensorflow.lite.Tensor;

/**
 * An exported {@code .tflite} loaded with LiteRT's {@code Interpreter}, the backward-compatible
 * API kept selectable with {@code --es litert_api interpreter} (the default is {@link
 * LiteRtCompiledModel}, whose weight cache this API cannot reach). The file holds one static signature per sequence length; core's {@link
 * LiteRtSignatures} picks the smallest that fits each request and pads the int64 contract inputs
 * to its int32 tensors (a fill-mask file's {@code mask_positions} to the signature's static
 * count, in chunks when a request has more masks than the largest signature takes).
 *
 * <p>Memory: every signature writes its output into a view of ONE direct buffer, sized for the
 * largest signature's output and allocated at load; inputs prepared ahead of timing share it
 * (one buffer per prepared input cost ~200 MB for 32 fill-mask inputs at 512).
 *
 * <p>API as in google-ai-edge/LiteRT ({@code litert/kotlin/src/copied_from_tflite/java/org/
 * tensorflow/lite/Interpreter.java}, {@code InterpreterApi.java}, checked at v2.2.0 and the
 * newest snapshot): {@code new Interpreter(File, Interpreter.Options)}, {@code
 * Options.setNumThreads}, {@code getSignatureKeys}, {@code getOutputTensorFromSignature}, {@code
 * Tensor.numBytes}/{@code shape}, and {@code runSignature(inputs, outputs, signatureKey)}.
 *
 * <p>Not thread-safe: use one instance from one worker thread.
 */
final class LiteRtInterpreterModel implements LiteRtRunner<LiteRtInterpreterModel.Prepared> {
  private final Interpreter interpreter;
  private final LiteRtSignatures signatures;
  /** The output view and shape of each signature; every view shares {@link #shared}. */
  private final Map<String, ByteBuffer> outputViews = new HashMap<>();
  private final Map<String, int[]> outputShapes = new HashMap<>();
  private final ByteBuffer shared;

  private LiteRtInterpreterModel(Interpreter interpreter) {
    this.interpreter = interpreter;
    this.signatures = LiteRtSignatures.fromKeys(interpreter.getSignatureKeys());
    int largest = 0;
    Map<String, Integer> bytes = new HashMap<>();
    for (int length : signatures.lengths()) {
      Tensor out = outputTensorOf(key(length));
      outputShapes.put(key(length), out.shape());
      bytes.put(key(length), out.numBytes());
      largest = Math.max(largest, out.numBytes());
    }
    shared = ByteBuffer.allocateDirect(largest).order(ByteOrder.nativeOrder());
    for (Map.Entry<String, Integer> e : bytes.entrySet()) {
      ByteBuffer view = shared.duplicate();
      view.limit(e.getValue());
      outputViews.put(e.getKey(), view.slice().order(ByteOrder.nativeOrder()));
    }
  }

  private Tensor outputTensorOf(String signature) {
    return interpreter.getOutputTensorFromSignature(LiteRtSignatures.OUTPUT, signature);
  }

  private static String key(int length) {
    return LiteRtSignatures.PREFIX + length;
  }

  /**
   * Loads {@code tflite} on exactly {@code numThreads} threads (LiteRT's default, -1, lets the
   * runtime choose; callers always pass an explicit count). XNNPACK is on by default.
   */
  static LiteRtInterpreterModel load(File tflite, int numThreads) throws FileNotFoundException {
    if (!tflite.isFile()) {
      throw new FileNotFoundException(tflite + " does not exist: push the exported .tflite there");
    }
    Interpreter interpreter =
        new Interpreter(tflite, new Interpreter.Options().setNumThreads(numThreads));
    try {
      return new LiteRtInterpreterModel(interpreter);
    } catch (RuntimeException e) {
      interpreter.close();
      throw e;
    }
  }

  /** A ready-to-run request: its signature feeds (one, or one per chunk of masks). */
  static final class Prepared {
    final List<LiteRtSignatures.Feed> feeds;
    final List<Map<String, Object>> inputs = new ArrayList<>();

    Prepared(List<LiteRtSignatures.Feed> feeds) {
      this.feeds = feeds;
      for (LiteRtSignatures.Feed feed : feeds) {
        Map<String, Object> in = new HashMap<>();
        in.put(LiteRtSignatures.INPUT_IDS, feed.inputIds);
        in.put(LiteRtSignatures.ATTENTION_MASK, feed.attentionMask);
        if (feed.maskPositions != null) {
          in.put(LiteRtSignatures.MASK_POSITIONS, feed.maskPositions);
        }
        inputs.add(in);
      }
    }
  }

  /** Builds the inputs once, so copies stay out of timings ({@code maskPositions} may be null). */
  @Override
  public Prepared prepare(long[] inputIds, long[] attentionMask, long[] maskPositions) {
    return new Prepared(signatures.feeds(inputIds, attentionMask, maskPositions));
  }

  /** Runs feed {@code i}; its output lands in the signature's view of the shared buffer. */
  private ByteBuffer run(Prepared prepared, int i) {
    String signature = prepared.feeds.get(i).signature;
    ByteBuffer view = outputViews.get(signature);
    view.rewind();
    Map<String, Object> outputs = new HashMap<>();
    outputs.put(LiteRtSignatures.OUTPUT, view);
    interpreter.runSignature(prepared.inputs.get(i), outputs, signature);
    return view;
  }

  /** Runs every feed of the request; outputs are left in the shared buffer (benchmarking). */
  @Override
  public void run(Prepared prepared) {
    for (int i = 0; i < prepared.feeds.size(); i++) {
      run(prepared, i);
    }
  }

  /** Runs the request and returns its real logits (chunks concatenated), flattened. */
  @Override
  public float[] logits(Prepared prepared) {
    List<float[]> parts = new ArrayList<>();
    for (int i = 0; i < prepared.feeds.size(); i++) {
      ByteBuffer view = run(prepared, i);
      view.rewind();
      float[] flat = new float[view.capacity() / Float.BYTES];
      view.asFloatBuffer().get(flat);
      LiteRtSignatures.Feed feed = prepared.feeds.get(i);
      parts.add(LiteRtSignatures.realLogits(flat, outputShapes.get(feed.signature), feed.rows));
    }
    return parts.size() == 1 ? parts.get(0) : LiteRtSignatures.concat(parts);
  }

  @Override
  public void close() {
    interpreter.close();
  }
}
