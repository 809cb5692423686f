package org.squeezebertmobile.core.json;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Serializes maps, lists, strings, numbers, booleans and null to JSON text.
 *
 * <p>Non-finite doubles are rejected rather than written as {@code NaN}: Python's {@code json}
 * module and most readers would accept or reject them inconsistently, and a NaN latency means a
 * bug worth surfacing.
 */
public final class JsonWriter {
  private JsonWriter() {}

  /** Compact JSON for {@code value}. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value, -1, 0);
    return sb.toString();
  }

  /** JSON indented by two spaces per level, one array element or object member per line. */
  public static String writePretty(Object value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value, 2, 0);
    return sb.append('\n').toString();
  }

  private static void append(StringBuilder sb, Object value, int indent, int level) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof String) {
      appendString(sb, (String) value);
    } else if (value instanceof Boolean) {
      sb.append(value.toString());
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("cannot write non-finite number " + d + " as JSON");
      }
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        sb.append((long) d).append(".0");
      } else {
        sb.append(d);
      }
    } else if (value instanceof Number) {
      sb.append(((Number) value).longValue());
    } else if (value instanceof Map) {
      appendObject(sb, (Map<?, ?>) value, indent, level);
    } else if (value instanceof List) {
      appendArray(sb, (List<?>) value, indent, level);
    } else {
      throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON");
    }
  }

  private static void appendObject(StringBuilder sb, Map<?, ?> map, int indent, int level) {
    if (map.isEmpty()) {
      sb.append("{}");
      return;
    }
    sb.append('{');
    Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<?, ?> entry = it.next();
      newline(sb, indent, level + 1);
      appendString(sb, String.valueOf(entry.getKey()));
      sb.append(indent >= 0 ? ": " : ":");
      append(sb, entry.getValue(), indent, level + 1);
      if (it.hasNext()) {
        sb.append(',');
      }
    }
    newline(sb, indent, level);
    sb.append('}');
  }

  private static void appendArray(StringBuilder sb, List<?> list, int indent, int level) {
    if (list.isEmpty()) {
      sb.append("[]");
      return;
    }
    sb.append('[');
    for (int i = 0; i < list.size(); i++) {
      newline(sb, indent, level + 1);
      append(sb, list.get(i), indent, level + 1);
      if (i + 1 < list.size()) {
        sb.append(',');
      }
    }
    newline(sb, indent, level);
    sb.append(']');
  }

  private static void newline(StringBuilder sb, int indent, int level) {
    if (indent < 0) {
      return;
    }
    sb.append('\n');
    for (int i = 0; i < indent * level; i++) {
      sb.append(' ');
    }
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20 || Character.isSurrogate(c)) {
            // Escape surrogates too, so lone halves survive a UTF-8 round trip.
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }
}
