package org.squeezebertmobile.core.tasks;

import java.util.ArrayList;
import java.util.List;
import org.squeezebertmobile.core.tokenizer.Encoding;

/**
 * NER post-processing: arg-max label per token, the label of each word's first sub-word (the
 * token the model was trained to label; later sub-words carried no loss), BIO decoding over the
 * words, and the character span of each entity in the original text.
 */
public final class TokenClassification {
  private TokenClassification() {}

  /**
   * Entities in {@code text}.
   *
   * @param encoding the tokenizer output the model ran on (L tokens)
   * @param logits the model output [1, L, labels], flattened row-major
   * @param labels task.json's labels, index = output channel
   */
  public static List<EntitySpan> entities(
      String text, Encoding encoding, float[] logits, List<String> labels) {
    int numLabels = labels.size();
    if ((long) encoding.length() * numLabels != logits.length) {
      throw new IllegalArgumentException(
          "NER logits have " + logits.length + " values, expected " + encoding.length()
              + " tokens x " + numLabels + " labels: is this the NER model of the same export?");
    }
    // First token of each word, in word order (words are numbered in text order from 0).
    List<Integer> wordFirstToken = new ArrayList<>();
    List<Integer> wordLastToken = new ArrayList<>();
    for (int t = 0; t < encoding.length(); t++) {
      int word = encoding.wordId(t);
      if (word == Encoding.NO_WORD) {
        continue;
      }
      if (word == wordFirstToken.size()) {
        wordFirstToken.add(t);
        wordLastToken.add(t);
      } else if (word == wordFirstToken.size() - 1) {
        wordLastToken.set(word, t);
      } else {
        throw new IllegalStateException("word ids are not consecutive at token " + t);
      }
    }
    List<String> wordTags = new ArrayList<>(wordFirstToken.size());
    for (int first : wordFirstToken) {
      wordTags.add(labels.get(Softmax.argmax(logits, first * numLabels, numLabels)));
    }
    List<EntitySpan> out = new ArrayList<>();
    for (BioDecoder.Chunk chunk : BioDecoder.decode(wordTags)) {
      int start = encoding.start(wordFirstToken.get(chunk.first));
      int end = encoding.end(wordLastToken.get(chunk.last));
      out.add(
          new EntitySpan(
              chunk.type, start, end, text.substring(start, end), chunk.first, chunk.last));
    }
    return out;
  }
}
