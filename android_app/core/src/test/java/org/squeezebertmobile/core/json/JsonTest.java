package org.squeezebertmobile.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesTheValueKindsOfTheContracts() {
    Map<String, Object> doc =
        Json.parseObject(
            "{\"task\": \"ner\", \"max_length\": 100, \"p\": -1.5e-3, \"ok\": true,"
                + " \"none\": null, \"ids\": [101, 102], \"s\": \"a\\u00e9\\ud83d\\ude00\\n\"}");
    assertEquals("ner", doc.get("task"));
    assertEquals(100L, doc.get("max_length"));
    assertEquals(-1.5e-3, (Double) doc.get("p"), 0.0);
    assertEquals(Boolean.TRUE, doc.get("ok"));
    assertNull(doc.get("none"));
    assertEquals(Arrays.asList(101L, 102L), doc.get("ids"));
    assertEquals("aé😀\n", doc.get("s"));
  }

  @Test
  void rejectsMalformedInputWithThePosition() {
    JsonException error = assertThrows(JsonException.class, () -> Json.parse("{\"a\": [1, 2,]}"));
    assertTrue(error.getMessage().contains("character 12"), error.getMessage());
    assertThrows(JsonException.class, () -> Json.parse("{\"a\": 1} trailing"));
    assertThrows(JsonException.class, () -> Json.parse("\"unterminated"));
    assertThrows(JsonException.class, () -> Json.parse("01"));
    assertThrows(JsonException.class, () -> Json.parse("[NaN]"));
  }

  @Test
  void typedAccessNamesTheOffendingKey() {
    Map<String, Object> doc = Json.parseObject("{\"max_length\": \"100\"}");
    JsonException error = assertThrows(JsonException.class, () -> Json.integer(doc, "max_length"));
    assertTrue(error.getMessage().contains("\"max_length\""));
    JsonException missing = assertThrows(JsonException.class, () -> Json.string(doc, "task"));
    assertTrue(missing.getMessage().contains("missing key \"task\""));
  }

  @Test
  void writerOutputParsesBackToTheSameValues() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("name", "q\"uote\\ 😀 \u0001");
    value.put("values", List.of(1, 2.5, 1e-7, 12.0, true));
    value.put("nested", Map.of("k", List.of()));
    value.put("nothing", null);
    for (String text : new String[] {JsonWriter.write(value), JsonWriter.writePretty(value)}) {
      Map<String, Object> back = Json.parseObject(text);
      assertEquals(value.get("name"), back.get("name"));
      assertEquals(Arrays.asList(1L, 2.5, 1e-7, 12.0, true), back.get("values"));
      assertEquals(Map.of("k", List.of()), back.get("nested"));
      assertTrue(back.containsKey("nothing"));
    }
  }

  @Test
  void writerRejectsNonFiniteNumbers() {
    assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(List.of(Double.NaN)));
  }
}
