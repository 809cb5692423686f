package org.squeezebertmobile.core.litert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LiteRtApiTest {
  @Test
  void compiledModelIsTheDefaultWhenTheExtraIsAbsent() {
    assertEquals(LiteRtApi.COMPILED_MODEL, LiteRtApi.parse(null));
    assertEquals(LiteRtApi.COMPILED_MODEL, LiteRtApi.parse(""));
  }

  @Test
  void eachApiIsSelectedByItsExtraValueAndRecordedByLiteRtsClassName() {
    assertEquals(LiteRtApi.INTERPRETER, LiteRtApi.parse("interpreter"));
    assertEquals(LiteRtApi.COMPILED_MODEL, LiteRtApi.parse("compiled"));
    assertEquals("Interpreter", LiteRtApi.INTERPRETER.apiName());
    assertEquals("CompiledModel", LiteRtApi.COMPILED_MODEL.apiName());
  }

  @Test
  void anUnknownValueNamesTheExtraAndItsChoices() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LiteRtApi.parse("gpu"));
    assertEquals(
        "litert_api must be compiled or interpreter (--es litert_api compiled), got \"gpu\"",
        e.getMessage());
    assertTrue(e.getMessage().startsWith(LiteRtApi.EXTRA));
  }
}
