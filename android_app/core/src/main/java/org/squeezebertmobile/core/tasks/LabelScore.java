package org.squeezebertmobile.core.tasks;

/** One class of a sequence classifier with its probability. */
public final class LabelScore {
  private final int index;
  private final String label;
  private final double probability;

  public LabelScore(int index, String label, double probability) {
    this.index = index;
    this.label = label;
    this.probability = probability;
  }

  /** Output channel of the model. */
  public int index() {
    return index;
  }

  public String label() {
    return label;
  }

  public double probability() {
    return probability;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "%s (%.4f)", label, probability);
  }
}
