package org.squeezebertmobile.core.tasks;

import java.util.Collections;
import java.util.List;
import org.squeezebertmobile.core.tokenizer.Encoding;
import org.squeezebertmobile.core.tokenizer.Vocab;
import org.squeezebertmobile.core.tokenizer.WordPieceTokenizer;

/**
 * Text in, task result out, around any runtime: tokenize (truncated to what both the task and
 * the exported model accept), build the fill-mask {@code mask_positions}, and post-process the
 * logits (softmax and top-k for fill-mask and news, BIO decoding for NER). The demo and the
 * benchmark's end-to-end timing run this same code, so what the benchmark times is what a user
 * of the demo waits for.
 */
public final class TaskPipeline {
  private final TaskConfig config;
  private final WordPieceTokenizer tokenizer;
  private final int topK;

  public TaskPipeline(TaskConfig config, WordPieceTokenizer tokenizer, int topK) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.topK = topK;
  }

  /** The task's result for one text; exactly one list is non-empty for its task type. */
  public static final class Result {
    public final List<MaskPrediction> masks;
    public final List<LabelScore> labels;
    public final List<EntitySpan> entities;

    Result(List<MaskPrediction> masks, List<LabelScore> labels, List<EntitySpan> entities) {
      this.masks = masks;
      this.labels = labels;
      this.entities = entities;
    }
  }

  public Vocab vocab() {
    return tokenizer.vocab();
  }

  /** The tokens of {@code text}, truncated to min(task max_length, model max_seq_len). */
  public Encoding encode(String text) {
    return tokenizer.encode(text, Math.min(config.maxLength(), config.maxSeqLen()));
  }

  /** Fill-mask's {@code mask_positions} input (every [MASK]); null for the other tasks. */
  public long[] positions(Encoding encoding) {
    return config.taskType() == TaskType.FILL_MASK
        ? FillMask.positionsInput(encoding.ids(), config.maskTokenId())
        : null;
  }

  /** Post-processes a runtime's flattened logits for {@code text}. */
  public Result postprocess(String text, Encoding encoding, long[] positions, float[] logits) {
    List<MaskPrediction> masks = Collections.emptyList();
    List<LabelScore> labels = Collections.emptyList();
    List<EntitySpan> entities = Collections.emptyList();
    switch (config.taskType()) {
      case FILL_MASK:
        masks = FillMask.predict(positions, logits, topK, tokenizer.vocab());
        break;
      case SEQUENCE_CLASSIFICATION:
        labels = SequenceClassification.rank(logits, config.labels());
        break;
      case TOKEN_CLASSIFICATION:
        entities = TokenClassification.entities(text, encoding, logits, config.labels());
        break;
    }
    return new Result(masks, labels, entities);
  }

  /**
   * The text a tokenized benchmark example stands for, when bench_inputs.json holds ids only:
   * WordPiece tokens joined with spaces, {@code ##} pieces glued to the previous one, [CLS],
   * [SEP] and [PAD] dropped, and the ids at {@code maskAt} (fill-mask) written as [MASK].
   * Re-tokenizing it gives the example's ids for an uncased vocabulary.
   */
  public static String decode(int[] ids, long[] maskAt, Vocab vocab) {
    boolean[] masked = new boolean[ids.length];
    if (maskAt != null) {
      for (long p : maskAt) {
        masked[(int) p] = true;
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < ids.length; i++) {
      String token = masked[i] ? Vocab.MASK : vocab.token(ids[i]);
      if (!masked[i] && (ids[i] == vocab.clsId() || ids[i] == vocab.sepId()
          || ids[i] == vocab.padId())) {
        continue;
      }
      if (token.startsWith("##") && out.length() > 0) {
        out.append(token, 2, token.length());
      } else {
        if (out.length() > 0) {
          out.append(' ');
        }
        out.append(token);
      }
    }
    return out.toString();
  }
}
