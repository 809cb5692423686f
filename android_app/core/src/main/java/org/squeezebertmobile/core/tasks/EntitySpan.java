package org.squeezebertmobile.core.tasks;

/** A named entity found in the input text. */
public final class EntitySpan {
  private final String type;
  private final int start;
  private final int end;
  private final String text;
  private final int firstWord;
  private final int lastWord;

  public EntitySpan(String type, int start, int end, String text, int firstWord, int lastWord) {
    this.type = type;
    this.start = start;
    this.end = end;
    this.text = text;
    this.firstWord = firstWord;
    this.lastWord = lastWord;
  }

  /** Entity type without the B-/I- prefix, e.g. "PER". */
  public String type() {
    return type;
  }

  /** UTF-16 start in the original text (for highlighting spans). */
  public int start() {
    return start;
  }

  /** UTF-16 end (exclusive) in the original text. */
  public int end() {
    return end;
  }

  /** The original text of the entity, {@code input.substring(start, end)}. */
  public String text() {
    return text;
  }

  /** First word index (tokenizer words). */
  public int firstWord() {
    return firstWord;
  }

  /** Last word index, inclusive. */
  public int lastWord() {
    return lastWord;
  }

  @Override
  public String toString() {
    return type + "[" + start + "," + end + ")=" + text;
  }
}
