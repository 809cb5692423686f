package org.squeezebertmobile.core.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.squeezebertmobile.core.json.Json;
import org.squeezebertmobile.core.json.JsonException;
import org.squeezebertmobile.core.tasks.TaskPipeline;
import org.squeezebertmobile.core.tokenizer.Vocab;

/**
 * {@code bench_inputs.json}: real test examples the exporter tokenized for the benchmark, so the
 * phone times the model on text it was built for rather than on all-ones dummy inputs.
 */
public final class BenchInputs {
  public static final String FILE_NAME = "bench_inputs.json";

  private final String task;
  private final String source;
  private final List<int[]> examples;
  private final List<int[]> maskPositions;
  private final List<String> texts;

  private BenchInputs(
      String task, String source, List<int[]> examples, List<int[]> maskPositions,
      List<String> texts) {
    this.task = task;
    this.source = source;
    this.examples = Collections.unmodifiableList(examples);
    this.maskPositions = Collections.unmodifiableList(maskPositions);
    this.texts = Collections.unmodifiableList(texts);
  }

  public static BenchInputs parse(String text) {
    Map<String, Object> doc = Json.parseObject(text);
    List<Object> rows = Json.array(Json.require(doc, "examples"), "\"examples\"");
    List<int[]> examples = new ArrayList<>(rows.size());
    List<int[]> positions = new ArrayList<>(rows.size());
    List<String> texts = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> row = Json.object(rows.get(i), "examples[" + i + "]");
      int[] ids = Json.intArray(Json.require(row, "input_ids"), "examples[" + i + "].input_ids");
      if (ids.length == 0) {
        throw new JsonException("examples[" + i + "].input_ids is empty");
      }
      examples.add(ids);
      Object raw = row.get("text");
      texts.add(raw instanceof String ? (String) raw : null);
      Object p = row.get("mask_positions");
      positions.add(p == null ? null : Json.intArray(p, "examples[" + i + "].mask_positions"));
      if ((positions.get(0) == null) != (positions.get(i) == null)) {
        throw new JsonException("examples[" + i + "]: mask_positions on some examples only");
      }
    }
    if (examples.isEmpty()) {
      throw new JsonException("\"examples\" is empty");
    }
    Object task = doc.get("task");
    Object source = doc.get("source");
    return new BenchInputs(
        task instanceof String ? (String) task : "",
        source instanceof String ? (String) source : "",
        examples,
        positions,
        texts);
  }

  /** Reads {@code dir/bench_inputs.json}; errors say how to produce the file. */
  public static BenchInputs load(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    String text;
    try {
      text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          file.toString(), null, "bench_inputs.json not found: push the whole task directory "
              + "written by `python -m export.build`");
    }
    try {
      return parse(text);
    } catch (JsonException e) {
      throw new IOException(file + " is invalid: " + e.getMessage(), e);
    }
  }

  public String task() {
    return task;
  }

  /** Which data file the examples came from, e.g. "conll2003/test.txt". */
  public String source() {
    return source;
  }

  /** Unpadded token ids with [CLS]/[SEP]. */
  public List<int[]> examples() {
    return examples;
  }

  /**
   * Per example, the ordered masked-LM positions (the example's masks first); null entries for
   * tasks without a {@code mask_positions} input.
   */
  public List<int[]> maskPositions() {
    return maskPositions;
  }

  /**
   * The request text of example {@code i} for end-to-end timing: its {@code text} when the file
   * has one, else its ids decoded ({@link TaskPipeline#decode}); a fill-mask example gets [MASK]
   * at the M = max(1, round(L / 10)) positions it is benchmarked with at its own length L.
   */
  public String textOf(int i, Vocab vocab) {
    if (texts.get(i) != null) {
      return texts.get(i);
    }
    int[] ids = examples.get(i);
    int[] positions = maskPositions.get(i);
    long[] maskAt = positions == null ? null : InputFitter.fitPositions(positions, ids.length);
    return TaskPipeline.decode(ids, maskAt, vocab);
  }

  /** The example used in benchmark round {@code round}: rounds cycle through the examples. */
  public int[] forRound(int round) {
    return examples.get(Math.floorMod(round, examples.size()));
  }
}
