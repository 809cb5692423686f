package org.squeezebertmobile.core.tasks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.squeezebertmobile.core.json.Json;
import org.squeezebertmobile.core.json.JsonException;

/**
 * The contents of a task directory's {@code task.json}, the one contract between the Python
 * exporter and the app: what the model computes, how to tokenize for it and which files to load.
 */
public final class TaskConfig {
  public static final String FILE_NAME = "task.json";

  private final String task;
  private final TaskType taskType;
  private final int maxLength;
  private final int maxSeqLen;
  private final List<String> inputNames;
  private final List<String> labels;
  private final String vocabFile;
  private final int maskTokenId;
  private final Map<String, Integer> specialTokens;
  private final Map<String, String> artifacts;
  private final Map<String, Map<String, String>> files;

  private TaskConfig(Map<String, Object> json) {
    task = Json.string(json, "task");
    taskType = TaskType.fromJson(Json.string(json, "task_type"));
    maxLength = Json.integer(json, "max_length");
    maxSeqLen = Json.integer(json, "max_seq_len", maxLength);
    inputNames = Json.stringList(Json.require(json, "input_names"), "\"input_names\"");
    labels = Json.stringList(Json.require(json, "labels"), "\"labels\"");
    vocabFile = Json.string(json, "vocab_file");
    maskTokenId = Json.integer(json, "mask_token_id", -1);
    Map<String, Integer> special = new LinkedHashMap<>();
    if (json.get("special_tokens") != null) {
      for (Map.Entry<String, Object> e :
          Json.object(json.get("special_tokens"), "\"special_tokens\"").entrySet()) {
        special.put(e.getKey(), Json.toInt(e.getValue(), "special_tokens." + e.getKey()));
      }
    }
    specialTokens = Collections.unmodifiableMap(special);
    Map<String, String> files = new LinkedHashMap<>();
    if (json.get("artifacts") != null) {
      for (Map.Entry<String, Object> e :
          Json.object(json.get("artifacts"), "\"artifacts\"").entrySet()) {
        if (!(e.getValue() instanceof String)) {
          throw new JsonException("artifacts." + e.getKey() + " must be a file name");
        }
        files.put(e.getKey(), (String) e.getValue());
      }
    }
    artifacts = Collections.unmodifiableMap(files);
    this.files = Collections.unmodifiableMap(fileFields(json));
    validate();
  }

  /**
   * "files": each on-device artifact's name, backend and quantization as the export wrote
   * them (ExecuTorch minibench's fields), so nothing is re-derived from file names.
   */
  private static Map<String, Map<String, String>> fileFields(Map<String, Object> json) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    if (json.get("files") == null) {
      return out;
    }
    for (Map.Entry<String, Object> e : Json.object(json.get("files"), "\"files\"").entrySet()) {
      Map<String, Object> entry = Json.object(e.getValue(), "files." + e.getKey());
      Map<String, String> fields = new LinkedHashMap<>();
      for (String key : List.of("name", "backend", "quantization")) {
        fields.put(key, Json.string(entry, key));
      }
      out.put(e.getKey(), Collections.unmodifiableMap(fields));
    }
    return out;
  }

  private void validate() {
    if (maxLength < 2) {
      throw new JsonException("\"max_length\" must be at least 2, got " + maxLength);
    }
    if (maxSeqLen < maxLength) {
      throw new JsonException(
          "\"max_seq_len\" (" + maxSeqLen + ") is smaller than \"max_length\" (" + maxLength
              + "): the model could not take the inputs the tokenizer makes");
    }
    if (taskType == TaskType.FILL_MASK) {
      if (maskTokenId < 0) {
        throw new JsonException("a fill-mask task.json needs \"mask_token_id\"");
      }
    } else if (labels.isEmpty()) {
      throw new JsonException("a " + taskType.jsonName() + " task.json needs \"labels\"");
    }
  }

  /** Parses task.json text. */
  public static TaskConfig parse(String text) {
    return new TaskConfig(Json.parseObject(text));
  }

  /** Reads {@code dir/task.json}; errors name the file and how to fix it. */
  public static TaskConfig load(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    String text;
    try {
      text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          file.toString(), null, "task.json not found: copy the whole task directory that "
              + "`python -m export.build` wrote (artifacts/<model-tag>/<task>/)");
    }
    try {
      return parse(text);
    } catch (JsonException | IllegalArgumentException e) {
      throw new IOException(file + " is invalid: " + e.getMessage(), e);
    }
  }

  /** Task name: "mlm", "news" or "ner". */
  public String task() {
    return task;
  }

  public TaskType taskType() {
    return taskType;
  }

  /** The truncation length the task was trained with. */
  public int maxLength() {
    return maxLength;
  }

  /** The largest sequence length the exported program accepts. */
  public int maxSeqLen() {
    return maxSeqLen;
  }

  public List<String> inputNames() {
    return inputNames;
  }

  /** Output channel names ([] for fill-mask). */
  public List<String> labels() {
    return labels;
  }

  public String vocabFile() {
    return vocabFile;
  }

  public int maskTokenId() {
    return maskTokenId;
  }

  /** Special token ids by role ("pad", "unk", "cls", "sep", "mask"); may be empty. */
  public Map<String, Integer> specialTokens() {
    return specialTokens;
  }

  /** Model file name -> its "name", "backend" and "quantization" (task.json "files"). */
  public Map<String, Map<String, String>> files() {
    return files;
  }

  /**
   * Artifact file names by precision name ("fp32", "int8": task.json's keys, not the file-name
   * scheme tags); may be empty. The app itself does not read it.
   */
  public Map<String, String> artifacts() {
    return artifacts;
  }
}
