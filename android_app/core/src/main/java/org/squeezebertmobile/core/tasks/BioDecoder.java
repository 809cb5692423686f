package org.squeezebertmobile.core.tasks;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups per-word tags (B-PER, I-PER, O, ...) into entity chunks, with the same rules as
 * seqeval's {@code get_entities}, the library the NER metric of this project is computed with.
 *
 * <p>So an app user sees exactly the entities the F1 score counts: a chunk starts at B-X, at an
 * I-X that follows O or another type, and ends before B, O or a change of type. E-/S- tags
 * (IOBES) are understood too. A tag's type is what follows its first '-'; "O" has none.
 */
public final class BioDecoder {
  private BioDecoder() {}

  /** One chunk: its type and inclusive word range. */
  public static final class Chunk {
    public final String type;
    public final int first;
    public final int last;

    public Chunk(String type, int first, int last) {
      this.type = type;
      this.first = first;
      this.last = last;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Chunk)) {
        return false;
      }
      Chunk c = (Chunk) o;
      return type.equals(c.type) && first == c.first && last == c.last;
    }

    @Override
    public int hashCode() {
      return (type.hashCode() * 31 + first) * 31 + last;
    }

    @Override
    public String toString() {
      return "(" + type + ", " + first + ", " + last + ")";
    }
  }

  /** Chunks of {@code tags}, in order. */
  public static List<Chunk> decode(List<String> tags) {
    List<Chunk> chunks = new ArrayList<>();
    char prevTag = 'O';
    String prevType = "";
    int begin = 0;
    for (int i = 0; i <= tags.size(); i++) {
      String tagText = i < tags.size() ? tags.get(i) : "O"; // a final O closes the last chunk
      char tag = tagText.isEmpty() ? 'O' : tagText.charAt(0);
      String type = typeOf(tagText);
      if (endsChunk(prevTag, tag, prevType, type)) {
        chunks.add(new Chunk(prevType, begin, i - 1));
      }
      if (startsChunk(prevTag, tag, prevType, type)) {
        begin = i;
      }
      prevTag = tag;
      prevType = type;
    }
    return chunks;
  }

  /** "B-PER" -> "PER", "I-MISC" -> "MISC"; "_" when there is no type (as for "O"). */
  static String typeOf(String tag) {
    if (tag.length() <= 1) {
      return "_";
    }
    String rest = tag.substring(1);
    int dash = rest.indexOf('-');
    String type = dash >= 0 ? rest.substring(dash + 1) : rest;
    return type.isEmpty() ? "_" : type;
  }

  private static boolean isOutside(char tag) {
    return tag == 'O' || tag == '.';
  }

  static boolean endsChunk(char prev, char tag, String prevType, String type) {
    if (prev == 'E' || prev == 'S') {
      return true;
    }
    if ((prev == 'B' || prev == 'I') && (tag == 'B' || tag == 'S' || tag == 'O')) {
      return true;
    }
    return !isOutside(prev) && !prevType.equals(type);
  }

  static boolean startsChunk(char prev, char tag, String prevType, String type) {
    if (tag == 'B' || tag == 'S') {
      return true;
    }
    if ((prev == 'E' || prev == 'S' || prev == 'O') && (tag == 'E' || tag == 'I')) {
      return true;
    }
    return !isOutside(tag) && !prevType.equals(type);
  }
}
