package org.squeezebertmobile.core.tokenizer;

/**
 * Greedy longest-match-first WordPiece over one pre-tokenized word.
 *
 * <p>A word longer than {@link #MAX_INPUT_CHARS_PER_WORD} code points, or one that cannot be
 * covered entirely by vocabulary pieces, becomes a single [UNK] spanning the whole word: this is
 * what BERT was trained with, and partial pieces would give the model inputs it never saw.
 *
 * <p>The longest piece at each position is found by extending the candidate one code point at a
 * time while some vocabulary entry still starts with it ({@link Vocab#hasPrefix}); this picks
 * the same piece as trying every length from the longest down, without building dozens of
 * candidate strings per position.
 */
public final class WordPiece {
  /** BERT's limit, counted in code points of the normalized word. */
  public static final int MAX_INPUT_CHARS_PER_WORD = 100;

  static final String CONTINUATION_PREFIX = "##";

  private final Vocab vocab;

  public WordPiece(Vocab vocab) {
    this.vocab = vocab;
  }

  /**
   * Splits the code points {@code [from, to)} of {@code text}.
   *
   * @param sink receives (id, start, end) per piece, start/end as code point indices of text
   */
  public void tokenize(NormalizedText text, int from, int to, PieceSink sink) {
    if (to - from > MAX_INPUT_CHARS_PER_WORD) {
      sink.piece(vocab.unkId(), from, to);
      return;
    }
    int[] ids = new int[to - from];
    int[] ends = new int[to - from];
    int count = 0;
    int start = from;
    StringBuilder candidate = new StringBuilder();
    while (start < to) {
      candidate.setLength(0);
      if (start > from) {
        candidate.append(CONTINUATION_PREFIX);
      }
      int bestEnd = -1;
      int bestId = -1;
      for (int end = start + 1; end <= to; end++) {
        candidate.appendCodePoint(text.codePoint(end - 1));
        String piece = candidate.toString();
        int id = vocab.id(piece);
        if (id >= 0) {
          bestEnd = end;
          bestId = id;
        }
        if (!vocab.hasPrefix(piece)) {
          break;
        }
      }
      if (bestId < 0) {
        sink.piece(vocab.unkId(), from, to);
        return;
      }
      ids[count] = bestId;
      ends[count] = bestEnd;
      count++;
      start = bestEnd;
    }
    int pieceStart = from;
    for (int k = 0; k < count; k++) {
      sink.piece(ids[k], pieceStart, ends[k]);
      pieceStart = ends[k];
    }
  }

  /** Receives WordPiece output. */
  public interface PieceSink {
    void piece(int id, int start, int end);
  }
}
