package org.squeezebertmobile.core.bench;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Name, backend and quantization of a model file, parsed with ExecuTorch minibench's file-name
 * convention {@code <name>_<backend>_<quantization><ext>}, so results line up with ExecuTorch's
 * own dashboards. The export names every artifact {@code <tag>_<runtime>_<scheme tag><ext>}
 * (e.g. {@code squeezebert_xnnpack_q8.pte}, {@code squeezebert_litert-stock_fp32.tflite}); the
 * quantization field is passed on as written ({@code q8}, or {@code int8} in older folders), and
 * the host maps both spellings to a precision.
 */
public final class ModelFileName {
  // Minibench's expression, plus '-' in the backend ("litert-stock"); \w+ is greedy, so with
  // underscores in the model name the last two fields are backend and quantization
  // ("bert_base_xnnpack_fp32" -> "bert_base").
  private static final Pattern PATTERN =
      Pattern.compile("(?<name>\\w+)_(?<backend>[\\w+-]+)_(?<quantization>\\w+)");

  private final String file;
  private final String name;
  private final String backend;
  private final String quantization;

  private ModelFileName(String file, String name, String backend, String quantization) {
    this.file = file;
    this.name = name;
    this.backend = backend;
    this.quantization = quantization;
  }

  /** The fields task.json's "files" records for {@code file} (written by the export). */
  public static ModelFileName of(String file, String name, String backend, String quantization) {
    return new ModelFileName(file, name, backend, quantization);
  }

  /**
   * The fields of {@code fileName}: from task.json's "files" when it lists the file, else parsed
   * from the name (folders exported before task.json listed its files).
   */
  public static ModelFileName resolve(String fileName, Map<String, Map<String, String>> files) {
    String file = fileName.substring(fileName.lastIndexOf('/') + 1);
    Map<String, String> fields = files.get(file);
    if (fields == null) {
      return parse(fileName);
    }
    return of(file, fields.get("name"), fields.get("backend"), fields.get("quantization"));
  }

  /**
   * Parses a file name, with or without directory and extension. Any extension is dropped, not
   * only the app's runtimes' ones: the export names its {@code .onnx} files the same way.
   */
  public static ModelFileName parse(String fileName) {
    String file = fileName.substring(fileName.lastIndexOf('/') + 1);
    int dot = file.lastIndexOf('.');
    String stem = dot > 0 ? file.substring(0, dot) : file;
    Matcher m = PATTERN.matcher(stem);
    if (m.matches()) {
      return new ModelFileName(file, m.group("name"), m.group("backend"), m.group("quantization"));
    }
    // Like minibench: an unconventional name is still benchmarked, under its own name.
    return new ModelFileName(file, stem, "", "");
  }

  public String file() {
    return file;
  }

  public String name() {
    return name;
  }

  public String backend() {
    return backend;
  }

  public String quantization() {
    return quantization;
  }
}
