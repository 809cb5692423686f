package org.squeezebertmobile.core.tasks;

/** The three task heads the exporter produces, named as in {@code task.json}'s "task_type". */
public enum TaskType {
  /** Masked-LM: logits [1, L, vocab]. */
  FILL_MASK("fill-mask"),
  /** News classification: logits [1, labels]. */
  SEQUENCE_CLASSIFICATION("sequence-classification"),
  /** NER: logits [1, L, labels]. */
  TOKEN_CLASSIFICATION("token-classification");

  private final String jsonName;

  TaskType(String jsonName) {
    this.jsonName = jsonName;
  }

  public String jsonName() {
    return jsonName;
  }

  /** The type named {@code name} in task.json. */
  public static TaskType fromJson(String name) {
    for (TaskType type : values()) {
      if (type.jsonName.equals(name)) {
        return type;
      }
    }
    throw new IllegalArgumentException(
        "unknown task_type '" + name + "' in task.json: expected fill-mask, "
            + "sequence-classification or token-classification");
  }
}
