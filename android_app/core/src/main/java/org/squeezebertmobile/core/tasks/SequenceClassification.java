package org.squeezebertmobile.core.tasks;

import java.util.ArrayList;
import java.util.List;

/** News post-processing: softmax over the label logits, ranked most probable first. */
public final class SequenceClassification {
  private SequenceClassification() {}

  /**
   * @param logits the model output [1, labels]
   * @param labels task.json's labels, index = output channel
   */
  public static List<LabelScore> rank(float[] logits, List<String> labels) {
    if (logits.length != labels.size()) {
      throw new IllegalArgumentException(
          "the model returned " + logits.length + " logits for " + labels.size()
              + " labels in task.json: is this the news model of the same export?");
    }
    double[] probs = Softmax.of(logits, 0, logits.length);
    List<LabelScore> out = new ArrayList<>(labels.size());
    for (int i = 0; i < probs.length; i++) {
      out.add(new LabelScore(i, labels.get(i), probs[i]));
    }
    // Stable sort: equal probabilities keep label order.
    out.sort((a, b) -> Double.compare(b.probability(), a.probability()));
    return out;
  }
}
