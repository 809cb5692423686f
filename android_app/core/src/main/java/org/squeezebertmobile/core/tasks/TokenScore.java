package org.squeezebertmobile.core.tasks;

/** One candidate token for a [MASK] position. */
public final class TokenScore {
  private final int id;
  private final String token;
  private final double probability;

  public TokenScore(int id, String token, double probability) {
    this.id = id;
    this.token = token;
    this.probability = probability;
  }

  public int id() {
    return id;
  }

  /** The vocabulary entry, e.g. "paris" or "##ing". */
  public String token() {
    return token;
  }

  public double probability() {
    return probability;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "%s (%.4f)", token, probability);
  }
}
