package org.squeezebertmobile.app;

import java.io.File;
import java.io.IOException;
import java.util.List;
import org.squeezebertmobile.core.bench.InferenceBackend.BackendException;
import org.squeezebertmobile.core.bench.InferenceBackend.Session;
import org.squeezebertmobile.core.litert.LiteRtApi;
import org.squeezebertmobile.core.tasks.EntitySpan;
import org.squeezebertmobile.core.tasks.LabelScore;
import org.squeezebertmobile.core.tasks.MaskPrediction;
import org.squeezebertmobile.core.tasks.TaskConfig;
import org.squeezebertmobile.core.tasks.TaskPipeline;
import org.squeezebertmobile.core.tokenizer.Encoding;
import org.squeezebertmobile.core.tokenizer.Vocab;
import org.squeezebertmobile.core.tokenizer.WordPieceTokenizer;

/**
 * One loaded task: its task.json, the tokenizer built from its vocab.txt and the model, loaded
 * through the same {@link Runtimes#dispatch} as the benchmark (ExecuTorch for .pte, LiteRT's
 * CompiledModel for .tflite): picking a file in the demo switches the runtime. {@link #run} is
 * text in, result out; every step but the forward pass is core code.
 *
 * <p>Used from the activity's single worker thread only.
 */
final class TaskSession implements AutoCloseable {
  static final int TOP_K = 5;

  final ModelLocator.Choice choice;
  final TaskConfig config;
  final int numThreads;
  final double loadMs;
  private final TaskPipeline pipeline;
  private final Session<?> model;

  /** What one run produced; exactly one of the result lists is non-empty for its task type. */
  static final class Output {
    final String text;
    final Encoding encoding;
    final double forwardMs;
    final List<MaskPrediction> masks;
    final List<LabelScore> labels;
    final List<EntitySpan> entities;

    Output(String text, Encoding encoding, double forwardMs, List<MaskPrediction> masks,
        List<LabelScore> labels, List<EntitySpan> entities) {
      this.text = text;
      this.encoding = encoding;
      this.forwardMs = forwardMs;
      this.masks = masks;
      this.labels = labels;
      this.entities = entities;
    }
  }

  TaskSession(ModelLocator.Choice choice, int numThreads) throws IOException, BackendException {
    this.choice = choice;
    this.numThreads = numThreads;
    this.config = TaskConfig.load(choice.taskDir.toPath());
    this.pipeline =
        new TaskPipeline(
            config,
            new WordPieceTokenizer(
                Vocab.load(new File(choice.taskDir, config.vocabFile()).toPath())),
            TOP_K);
    long start = System.nanoTime();
    this.model = Runtimes.dispatch(LiteRtApi.DEFAULT).load(choice.file.toPath(), numThreads);
    this.loadMs = (System.nanoTime() - start) / 1e6;
  }

  /** The tokenizer's view of {@code text}, truncated to what the task and the model accept. */
  Encoding encode(String text) {
    return pipeline.encode(text);
  }

  /**
   * Text to result: core's TaskPipeline around the runtime call, which is timed on its own (the
   * inputs are converted to the runtime's tensors before the clock starts, as in the benchmark).
   */
  Output run(String text) throws BackendException {
    Encoding encoding = pipeline.encode(text);
    long[] positions = pipeline.positions(encoding);
    return run(model, text, encoding, positions);
  }

  private <I> Output run(Session<I> session, String text, Encoding encoding, long[] positions)
      throws BackendException {
    I input = session.prepare(encoding.idsAsLongs(), encoding.attentionMask(), positions);
    long start = System.nanoTime();
    float[] logits = session.logits(input);
    double forwardMs = (System.nanoTime() - start) / 1e6;
    TaskPipeline.Result result = pipeline.postprocess(text, encoding, positions, logits);
    return new Output(
        text, encoding, forwardMs, result.masks, result.labels, result.entities);
  }

  @Override
  public void close() {
    model.close();
  }
}
