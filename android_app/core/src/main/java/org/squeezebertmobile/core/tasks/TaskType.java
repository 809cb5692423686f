package org.squeezebertmobile.core.tasks;

/**
 * The three task heads the exporter produces, named in {@code task.json}'s "task_type" by their
 * Hugging Face pipeline tags. Folders exported before the pipeline tags were adopted say
 * "sequence-classification" for the news classifier; {@link #fromJson} still reads them.
 */
public enum TaskType {
  /** Masked-LM: logits [1, L, vocab]. */
  FILL_MASK("fill-mask"),
  /** News classification: logits [1, labels]. */
  SEQUENCE_CLASSIFICATION("text-classification", "sequence-classification"),
  /** NER: logits [1, L, labels]. */
  TOKEN_CLASSIFICATION("token-classification");

  private final String jsonName;
  private final String legacyName;

  TaskType(String jsonName) {
    this(jsonName, null);
  }

  TaskType(String jsonName, String legacyName) {
    this.jsonName = jsonName;
    this.legacyName = legacyName;
  }

  /** The Hugging Face pipeline tag the exporter writes for this type. */
  public String jsonName() {
    return jsonName;
  }

  /** The type named {@code name} in task.json: its pipeline tag, or the name older folders used. */
  public static TaskType fromJson(String name) {
    for (TaskType type : values()) {
      if (type.jsonName.equals(name) || (type.legacyName != null && type.legacyName.equals(name))) {
        return type;
      }
    }
    throw new IllegalArgumentException(
        "unknown task_type '" + name + "' in task.json: expected fill-mask, "
            + "text-classification (formerly sequence-classification) or token-classification");
  }
}
