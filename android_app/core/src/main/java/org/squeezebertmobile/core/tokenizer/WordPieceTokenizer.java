package org.squeezebertmobile.core.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * BERT's uncased WordPiece tokenizer, token for token identical to Hugging Face's
 * {@code BertTokenizer} (fast) loaded with {@code AutoTokenizer.from_pretrained}.
 *
 * <p>Pipeline: the special tokens ([MASK], [UNK], [CLS], [SEP], [PAD]) are first matched
 * literally in the raw text, so a user can type "[MASK]"; the text between them is normalized
 * ({@link BertNormalizer}), split into words ({@link BertPreTokenizer}) and each word into
 * pieces ({@link WordPiece}); finally the pieces are truncated to {@code maxLength - 2} and
 * wrapped in [CLS] ... [SEP].
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class WordPieceTokenizer {
  /** The special tokens matched in raw text, as the reference's added-tokens list. */
  static final String[] SPECIAL_TOKENS = {
    Vocab.PAD, Vocab.UNK, Vocab.CLS, Vocab.SEP, Vocab.MASK
  };

  private final Vocab vocab;
  private final BertNormalizer normalizer;
  private final BertPreTokenizer preTokenizer;
  private final WordPiece wordPiece;
  private final String[] specialTokens;

  public WordPieceTokenizer(Vocab vocab) {
    this(vocab, UnicodeTables.bert());
  }

  public WordPieceTokenizer(Vocab vocab, UnicodeTables tables) {
    this.vocab = vocab;
    this.normalizer = new BertNormalizer(tables);
    this.preTokenizer = new BertPreTokenizer(tables);
    this.wordPiece = new WordPiece(vocab);
    List<String> present = new ArrayList<>();
    for (String token : SPECIAL_TOKENS) {
      if (vocab.contains(token)) {
        present.add(token);
      }
    }
    this.specialTokens = present.toArray(new String[0]);
  }

  public Vocab vocab() {
    return vocab;
  }

  /**
   * Tokenizes {@code text} into at most {@code maxLength} tokens including [CLS] and [SEP].
   *
   * @throws IllegalArgumentException if maxLength < 2 (no room for [CLS] and [SEP])
   */
  public Encoding encode(String text, int maxLength) {
    if (maxLength < 2) {
      throw new IllegalArgumentException(
          "max length " + maxLength + " leaves no room for [CLS] and [SEP]; use 2 or more");
    }
    Builder tokens = new Builder();
    int segmentStart = 0;
    int i = 0;
    while (i < text.length()) {
      String special = specialAt(text, i);
      if (special == null) {
        i++;
        continue;
      }
      tokenizeSegment(text, segmentStart, i, tokens);
      tokens.add(vocab.id(special), tokens.nextWord++, i, i + special.length());
      i += special.length();
      segmentStart = i;
    }
    tokenizeSegment(text, segmentStart, text.length(), tokens);
    return tokens.build(maxLength, vocab.clsId(), vocab.sepId());
  }

  /** The longest special token starting at {@code i}, or null (leftmost-longest matching). */
  private String specialAt(String text, int i) {
    if (text.charAt(i) != '[') {
      return null;
    }
    String best = null;
    for (String token : specialTokens) {
      if (text.startsWith(token, i) && (best == null || token.length() > best.length())) {
        best = token;
      }
    }
    return best;
  }

  private void tokenizeSegment(String text, int begin, int end, Builder tokens) {
    if (begin >= end) {
      return;
    }
    NormalizedText normalized = normalizer.normalize(text, begin, end);
    preTokenizer.split(
        normalized,
        (from, to) -> {
          int word = tokens.nextWord++;
          wordPiece.tokenize(
              normalized,
              from,
              to,
              (id, s, e) -> tokens.add(id, word, normalized.start(s), normalized.end(e - 1)));
        });
  }

  /** Accumulates tokens before truncation and special tokens. */
  private static final class Builder {
    final IntList ids = new IntList(64);
    final IntList words = new IntList(64);
    final IntList starts = new IntList(64);
    final IntList ends = new IntList(64);
    int nextWord;

    void add(int id, int word, int start, int end) {
      ids.add(id);
      words.add(word);
      starts.add(start);
      ends.add(end);
    }

    Encoding build(int maxLength, int clsId, int sepId) {
      int kept = Math.min(ids.size(), maxLength - 2);
      int n = kept + 2;
      int[] outIds = new int[n];
      int[] outWords = new int[n];
      int[] outStarts = new int[n];
      int[] outEnds = new int[n];
      outIds[0] = clsId;
      outWords[0] = Encoding.NO_WORD;
      for (int k = 0; k < kept; k++) {
        outIds[k + 1] = ids.get(k);
        outWords[k + 1] = words.get(k);
        outStarts[k + 1] = starts.get(k);
        outEnds[k + 1] = ends.get(k);
      }
      outIds[n - 1] = sepId;
      outWords[n - 1] = Encoding.NO_WORD;
      return new Encoding(outIds, outWords, outStarts, outEnds, ids.size() + 2);
    }
  }
}
