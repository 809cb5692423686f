package org.squeezebertmobile.app;

import java.io.File;
import java.io.FileNotFoundException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.squeezebertmobile.core.litert.LiteRtApi;

/**
 * A {@code .tflite} loaded through one of LiteRT's two Android APIs ({@link LiteRtApi}): what
 * {@link LiteRtBackend} (the benchmark's and the demo's LiteRT) needs from either. Both take
 * core's {@code LiteRtSignatures} feeds (smallest fitting signature, chunks of masks).
 *
 * @param <P> a ready-to-run request, built before timing starts
 */
interface LiteRtRunner<P> extends AutoCloseable {
  /** Builds the request's signature feeds once, so copies stay out of timings. */
  P prepare(long[] inputIds, long[] attentionMask, long[] maskPositions);

  /** Runs every feed of the request; outputs are not read back (benchmarking). */
  void run(P prepared);

  /** Runs the request and returns its real logits (chunks concatenated), flattened. */
  float[] logits(P prepared);

  @Override
  void close();

  /** How each API loads a file on exactly {@code numThreads} threads. */
  interface Loader {
    LiteRtRunner<?> load(File tflite, int numThreads) throws FileNotFoundException;
  }

  /** One loader per API: the registry {@link #load} picks from. */
  Map<LiteRtApi, Loader> LOADERS = loaders();

  private static Map<LiteRtApi, Loader> loaders() {
    Map<LiteRtApi, Loader> loaders = new EnumMap<>(LiteRtApi.class);
    loaders.put(LiteRtApi.COMPILED_MODEL, LiteRtCompiledModel::load);
    loaders.put(LiteRtApi.INTERPRETER, LiteRtInterpreterModel::load);
    return Collections.unmodifiableMap(loaders);
  }

  /** Loads {@code tflite} with {@code api}. */
  static LiteRtRunner<?> load(LiteRtApi api, File tflite, int numThreads)
      throws FileNotFoundException {
    return LOADERS.get(api).load(tflite, numThreads);
  }
}
