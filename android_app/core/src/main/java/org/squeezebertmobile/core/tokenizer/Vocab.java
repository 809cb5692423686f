package org.squeezebertmobile.core.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A WordPiece vocabulary: one token per line, the line number (from 0) is the id.
 *
 * <p>This is the format of BERT's {@code vocab.txt}, which the exporter ships next to each model,
 * so ids always come from the very file the model was exported with.
 */
public final class Vocab {
  public static final String PAD = "[PAD]";
  public static final String UNK = "[UNK]";
  public static final String CLS = "[CLS]";
  public static final String SEP = "[SEP]";
  public static final String MASK = "[MASK]";

  private final List<String> tokens;
  private final Map<String, Integer> ids;
  private final int maxTokenCodePoints;
  private final String[] sorted;

  private Vocab(List<String> tokens) {
    this.tokens = Collections.unmodifiableList(tokens);
    this.ids = new HashMap<>(tokens.size() * 2);
    int longest = 0;
    for (int i = 0; i < tokens.size(); i++) {
      // The first occurrence wins, as in the reference's vocab loading.
      ids.putIfAbsent(tokens.get(i), i);
      longest = Math.max(longest, tokens.get(i).codePointCount(0, tokens.get(i).length()));
    }
    this.maxTokenCodePoints = longest;
    this.sorted = tokens.toArray(new String[0]);
    Arrays.sort(sorted);
    for (String required : new String[] {UNK, CLS, SEP}) {
      if (!ids.containsKey(required)) {
        throw new IllegalArgumentException(
            "the vocabulary has no " + required + " token: use the BERT vocab.txt the model "
                + "was exported with");
      }
    }
  }

  /** Reads a vocab.txt file. */
  public static Vocab load(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return load(in);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          path.toString(), null, "vocab file not found: pass the vocab.txt of the exported task");
    }
  }

  /** Reads a vocab.txt stream (UTF-8; LF or CRLF line ends). */
  public static Vocab load(InputStream in) throws IOException {
    return load(new InputStreamReader(in, StandardCharsets.UTF_8));
  }

  /** Reads vocab lines from a reader. */
  public static Vocab load(Reader reader) throws IOException {
    BufferedReader lines = new BufferedReader(reader);
    List<String> tokens = new ArrayList<>(32000);
    String line;
    while ((line = lines.readLine()) != null) {
      tokens.add(line);
    }
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("the vocab file is empty");
    }
    return new Vocab(tokens);
  }

  /** Builds a vocabulary from tokens in id order. */
  public static Vocab of(List<String> tokens) {
    return new Vocab(new ArrayList<>(tokens));
  }

  /** The id of {@code token}, or -1. */
  public int id(String token) {
    Integer id = ids.get(token);
    return id == null ? -1 : id;
  }

  /** The token with id {@code id}. */
  public String token(int id) {
    if (id < 0 || id >= tokens.size()) {
      throw new IndexOutOfBoundsException("token id " + id + " outside vocab of " + size());
    }
    return tokens.get(id);
  }

  public boolean contains(String token) {
    return ids.containsKey(token);
  }

  public int size() {
    return tokens.size();
  }

  /**
   * True if some entry starts with {@code prefix}. Entries sharing a prefix are contiguous in
   * sorted order, starting at the prefix's insertion point, so one binary search decides.
   */
  public boolean hasPrefix(String prefix) {
    int i = Arrays.binarySearch(sorted, prefix);
    if (i >= 0) {
      return true;
    }
    int insertion = -i - 1;
    return insertion < sorted.length && sorted[insertion].startsWith(prefix);
  }

  /** Length in code points of the longest entry: no longer candidate can match. */
  public int maxTokenCodePoints() {
    return maxTokenCodePoints;
  }

  public int unkId() {
    return ids.get(UNK);
  }

  public int clsId() {
    return ids.get(CLS);
  }

  public int sepId() {
    return ids.get(SEP);
  }

  /** The [PAD] id, or 0 (BERT's) when the vocab has no [PAD]. */
  public int padId() {
    return ids.getOrDefault(PAD, 0);
  }

  /** The [MASK] id, or -1. */
  public int maskId() {
    return id(MASK);
  }
}
