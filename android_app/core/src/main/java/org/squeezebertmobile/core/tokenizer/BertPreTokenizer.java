package org.squeezebertmobile.core.tokenizer;

/**
 * Splits normalized text into words: on whitespace (dropped) and around every punctuation
 * character (each kept as a word of its own).
 *
 * <p>Word numbers are what NER post-processing groups sub-words by, exactly as the reference's
 * {@code word_ids()}: "U.S." is four words, "don't" three.
 */
public final class BertPreTokenizer {
  private final UnicodeTables tables;

  public BertPreTokenizer(UnicodeTables tables) {
    this.tables = tables;
  }

  /** Calls {@code sink.word(from, to)} for each word, as code point ranges of {@code text}. */
  public void split(NormalizedText text, WordSink sink) {
    int wordStart = -1;
    for (int i = 0; i < text.length(); i++) {
      int cp = text.codePoint(i);
      if (tables.isWhitespace(cp)) {
        if (wordStart >= 0) {
          sink.word(wordStart, i);
          wordStart = -1;
        }
      } else if (tables.isPunctuation(cp)) {
        if (wordStart >= 0) {
          sink.word(wordStart, i);
          wordStart = -1;
        }
        sink.word(i, i + 1);
      } else if (wordStart < 0) {
        wordStart = i;
      }
    }
    if (wordStart >= 0) {
      sink.word(wordStart, text.length());
    }
  }

  /** Receives word ranges. */
  public interface WordSink {
    void word(int from, int to);
  }
}
