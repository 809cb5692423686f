package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ModelFileNameTest {
  @Test
  void splitsNameBackendAndQuantizationLikeMinibench() {
    ModelFileName m = ModelFileName.parse("/data/local/tmp/x/squeezebert_xnnpack_q8.pte");
    assertEquals("squeezebert_xnnpack_q8.pte", m.file());
    assertEquals("squeezebert", m.name());
    assertEquals("xnnpack", m.backend());
    assertEquals("q8", m.quantization());
  }

  @Test
  void underscoresInTheModelTagStayInTheName() {
    ModelFileName m = ModelFileName.parse("bert_base_xnnpack_fp32.pte");
    assertEquals("bert_base", m.name());
    assertEquals("xnnpack", m.backend());
    assertEquals("fp32", m.quantization());
  }

  @Test
  void unconventionalNamesKeepTheirStem() {
    ModelFileName m = ModelFileName.parse("model.pte");
    assertEquals("model", m.name());
    assertEquals("", m.backend());
    assertEquals("", m.quantization());
  }
}
