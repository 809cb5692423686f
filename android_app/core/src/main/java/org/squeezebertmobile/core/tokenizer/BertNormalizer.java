package org.squeezebertmobile.core.tokenizer;

/**
 * BERT's uncased normalization, in the reference order: clean, space out CJK ideographs, NFD,
 * strip non-spacing marks, lower-case.
 *
 * <p>The order matters and is the reference's, not the original Python BERT's (which lower-cases
 * before stripping accents): for example U+0130 decomposes to I + U+0307 first, so the dot is
 * stripped and "İ" becomes "i". Character classes come from {@link UnicodeTables}, never from the
 * platform, so results do not depend on the JVM's or phone's Unicode version.
 */
public final class BertNormalizer {
  private final UnicodeTables tables;

  public BertNormalizer(UnicodeTables tables) {
    this.tables = tables;
  }

  /** Normalizes {@code text[begin, end)} (UTF-16 indices); alignments index into {@code text}. */
  public NormalizedText normalize(String text, int begin, int end) {
    // 1. clean + CJK spacing, remembering each kept code point's original UTF-16 span.
    IntList cps = new IntList(end - begin + 8);
    IntList starts = new IntList(end - begin + 8);
    IntList ends = new IntList(end - begin + 8);
    int i = begin;
    while (i < end) {
      int cp = text.codePointAt(i);
      int next = i + Character.charCount(cp);
      if (next > end) { // a high surrogate whose low half lies outside the segment
        cp = text.charAt(i);
        next = i + 1;
      }
      if (!tables.isDropped(cp)) {
        if (tables.isCleanedToSpace(cp)) {
          push(cps, starts, ends, ' ', i, next);
        } else if (tables.isCjk(cp)) {
          push(cps, starts, ends, ' ', i, next);
          push(cps, starts, ends, cp, i, next);
          push(cps, starts, ends, ' ', i, next);
        } else {
          push(cps, starts, ends, cp, i, next);
        }
      }
      i = next;
    }

    // 2. canonical decomposition; every piece keeps its source character's span.
    IntList dec = new IntList(cps.size() + 8);
    IntList decStarts = new IntList(cps.size() + 8);
    IntList decEnds = new IntList(cps.size() + 8);
    IntList piece = new IntList(4);
    for (int k = 0; k < cps.size(); k++) {
      piece.clear();
      tables.decompose(cps.get(k), piece);
      for (int p = 0; p < piece.size(); p++) {
        push(dec, decStarts, decEnds, piece.get(p), starts.get(k), ends.get(k));
      }
    }

    // 3. canonical ordering moves code points only: spans stay with positions, as in the
    //    reference, which aligns its output position by position.
    canonicalOrder(dec);

    // 4. strip non-spacing marks, 5. lower-case.
    IntList out = new IntList(dec.size());
    IntList outStarts = new IntList(dec.size());
    IntList outEnds = new IntList(dec.size());
    IntList lowered = new IntList(4);
    for (int k = 0; k < dec.size(); k++) {
      int cp = dec.get(k);
      if (tables.isNonspacingMark(cp)) {
        continue;
      }
      lowered.clear();
      tables.lowercase(cp, lowered);
      for (int p = 0; p < lowered.size(); p++) {
        push(out, outStarts, outEnds, lowered.get(p), decStarts.get(k), decEnds.get(k));
      }
    }
    return new NormalizedText(out.toArray(), outStarts.toArray(), outEnds.toArray());
  }

  /** Stable insertion sort of each run of non-starters by combining class (Unicode 3.11). */
  private void canonicalOrder(IntList cps) {
    int n = cps.size();
    for (int k = 1; k < n; k++) {
      int cp = cps.get(k);
      int ccc = tables.combiningClass(cp);
      if (ccc == 0) {
        continue;
      }
      int j = k - 1;
      while (j >= 0) {
        int prevCcc = tables.combiningClass(cps.get(j));
        if (prevCcc <= ccc) {
          break; // a starter (0) or an equal/lower class ends the move
        }
        cps.set(j + 1, cps.get(j));
        j--;
      }
      cps.set(j + 1, cp);
    }
  }

  private static void push(IntList cps, IntList starts, IntList ends, int cp, int s, int e) {
    cps.add(cp);
    starts.add(s);
    ends.add(e);
  }
}
