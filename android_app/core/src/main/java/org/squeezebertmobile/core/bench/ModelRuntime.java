package org.squeezebertmobile.core.bench;

import java.nio.file.Path;

/** The runtimes the app runs, told apart by the model file's extension. */
public enum ModelRuntime {
  EXECUTORCH(".pte"),
  LITERT(".tflite");

  private final String extension;

  ModelRuntime(String extension) {
    this.extension = extension;
  }

  public String extension() {
    return extension;
  }

  /** The runtime of {@code fileName}, or null when no runtime reads that extension. */
  public static ModelRuntime forFile(String fileName) {
    for (ModelRuntime runtime : values()) {
      if (fileName.endsWith(runtime.extension)) {
        return runtime;
      }
    }
    return null;
  }

  public static ModelRuntime forFile(Path path) {
    return forFile(path.getFileName().toString());
  }

  /** A directory glob matching every model file, e.g. {@code *.{pte,tflite}}. */
  public static String glob() {
    StringBuilder sb = new StringBuilder("*.{");
    for (ModelRuntime runtime : values()) {
      sb.append(sb.length() > 3 ? "," : "").append(runtime.extension.substring(1));
    }
    return sb.append('}').toString();
  }
}
