package org.squeezebertmobile.core.tasks;

import java.util.Collections;
import java.util.List;

/** The top candidates for one [MASK] token, most probable first. */
public final class MaskPrediction {
  private final int position;
  private final List<TokenScore> candidates;

  public MaskPrediction(int position, List<TokenScore> candidates) {
    this.position = position;
    this.candidates = Collections.unmodifiableList(candidates);
  }

  /** Token index of the [MASK] in the encoded input ([CLS] is 0). */
  public int position() {
    return position;
  }

  public List<TokenScore> candidates() {
    return candidates;
  }
}
