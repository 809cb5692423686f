package org.squeezebertmobile.core.json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader.
 *
 * <p>Why not a library: the core module must stay dependency-free so it builds with plain
 * {@code javac} on a fresh clone and runs unchanged on Android, and the app only reads a few small
 * contract files ({@code task.json}, {@code bench_inputs.json}, test fixtures).
 *
 * <p>Objects become {@code Map<String, Object>} (insertion ordered), arrays {@code List<Object>},
 * integers without fraction or exponent {@code Long}, other numbers {@code Double}, and JSON
 * {@code null} Java {@code null}. Typed accessors ({@link #object}, {@link #integer}, ...) turn
 * shape mismatches into a {@link JsonException} that names the offending key.
 */
public final class Json {
  private final String text;
  private int pos;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one JSON value; trailing non-whitespace is an error. */
  public static Object parse(String text) {
    Json parser = new Json(text);
    parser.skipWhitespace();
    Object value = parser.readValue(0);
    parser.skipWhitespace();
    if (parser.pos != text.length()) {
      throw parser.error("unexpected text after the JSON value");
    }
    return value;
  }

  /** Parses a JSON object. */
  public static Map<String, Object> parseObject(String text) {
    return object(parse(text), "document");
  }

  private static final int MAX_DEPTH = 512;

  private Object readValue(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
    if (pos >= text.length()) {
      throw error("unexpected end of input");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return readObject(depth);
      case '[':
        return readArray(depth);
      case '"':
        return readString();
      case 't':
        expectWord("true");
        return Boolean.TRUE;
      case 'f':
        expectWord("false");
        return Boolean.FALSE;
      case 'n':
        expectWord("null");
        return null;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return readNumber();
        }
        throw error("unexpected character '" + c + "'");
    }
  }

  private Map<String, Object> readObject(int depth) {
    Map<String, Object> map = new LinkedHashMap<>();
    pos++; // '{'
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return map;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a string key");
      }
      String key = readString();
      skipWhitespace();
      if (peek() != ':') {
        throw error("expected ':' after key \"" + key + "\"");
      }
      pos++;
      skipWhitespace();
      map.put(key, readValue(depth + 1));
      skipWhitespace();
      char c = peek();
      pos++;
      if (c == '}') {
        return map;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or '}' in object");
      }
    }
  }

  private List<Object> readArray(int depth) {
    List<Object> list = new ArrayList<>();
    pos++; // '['
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      skipWhitespace();
      list.add(readValue(depth + 1));
      skipWhitespace();
      char c = peek();
      pos++;
      if (c == ']') {
        return list;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or ']' in array");
      }
    }
  }

  private String readString() {
    pos++; // opening quote
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        pos--;
        throw error("unescaped control character in string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        throw error("unterminated escape");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case '"':
        case '\\':
        case '/':
          sb.append(e);
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
          }
          int code = 0;
          for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(pos + i), 16);
            if (digit < 0) {
              throw error("bad hex digit in \\u escape");
            }
            code = code * 16 + digit;
          }
          pos += 4;
          // Surrogate halves are kept as UTF-16 units, so escaped astral characters round-trip.
          sb.append((char) code);
          break;
        default:
          pos--;
          throw error("bad escape '\\" + e + "'");
      }
    }
  }

  private Object readNumber() {
    int start = pos;
    boolean integral = true;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek())) {
      while (isDigit(peek())) {
        pos++;
      }
    } else {
      throw error("bad number");
    }
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!isDigit(peek())) {
        throw error("bad number: digits expected after '.'");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error("bad number: digits expected in exponent");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    String literal = text.substring(start, pos);
    if (integral) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException tooBig) {
        return Double.parseDouble(literal);
      }
    }
    return Double.parseDouble(literal);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private void expectWord(String word) {
    if (!text.startsWith(word, pos)) {
      throw error("unexpected token");
    }
    pos += word.length();
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private JsonException error(String what) {
    return new JsonException("invalid JSON at character " + pos + ": " + what);
  }

  // ---- typed access ------------------------------------------------------------------------

  /** The value as an object, or an error naming {@code what}. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Object value, String what) {
    if (value instanceof Map) {
      return (Map<String, Object>) value;
    }
    throw new JsonException(what + " must be a JSON object");
  }

  /** The value as an array, or an error naming {@code what}. */
  @SuppressWarnings("unchecked")
  public static List<Object> array(Object value, String what) {
    if (value instanceof List) {
      return (List<Object>) value;
    }
    throw new JsonException(what + " must be a JSON array");
  }

  /** A required member of an object. */
  public static Object require(Map<String, Object> map, String key) {
    if (!map.containsKey(key)) {
      throw new JsonException("missing key \"" + key + "\"");
    }
    return map.get(key);
  }

  /** A required string member. */
  public static String string(Map<String, Object> map, String key) {
    Object value = require(map, key);
    if (value instanceof String) {
      return (String) value;
    }
    throw new JsonException("\"" + key + "\" must be a string");
  }

  /** A required integer member that fits in an int. */
  public static int integer(Map<String, Object> map, String key) {
    return toInt(require(map, key), "\"" + key + "\"");
  }

  /** An optional integer member. */
  public static int integer(Map<String, Object> map, String key, int fallback) {
    return map.get(key) == null ? fallback : toInt(map.get(key), "\"" + key + "\"");
  }

  /** A required number member. */
  public static double number(Map<String, Object> map, String key) {
    Object value = require(map, key);
    if (value instanceof Number) {
      return ((Number) value).doubleValue();
    }
    throw new JsonException("\"" + key + "\" must be a number");
  }

  /** A JSON integer as an int, or an error naming {@code what}. */
  public static int toInt(Object value, String what) {
    if (value instanceof Long) {
      long v = (Long) value;
      if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        return (int) v;
      }
    }
    throw new JsonException(what + " must be an integer, got " + value);
  }

  /** A JSON array of integers as an int[]. */
  public static int[] intArray(Object value, String what) {
    List<Object> list = array(value, what);
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toInt(list.get(i), what + "[" + i + "]");
    }
    return out;
  }

  /** A JSON array of strings. */
  public static List<String> stringList(Object value, String what) {
    List<Object> list = array(value, what);
    List<String> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof String)) {
        throw new JsonException(what + "[" + i + "] must be a string");
      }
      out.add((String) list.get(i));
    }
    return Collections.unmodifiableList(out);
  }
}
