package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelFileNameTest {
  @Test
  void taskJsonFilesNameTheModelEvenWhenTheFileNameWouldParseOtherwise() {
    // A model tag holding "_xnnpack_" would fool the parser; task.json's fields win.
    Map<String, Map<String, String>> files =
        Map.of(
            "my_xnnpack_model_xnnpack_q8.pte",
            Map.of("name", "my_xnnpack_model", "backend", "xnnpack", "quantization", "q8"));
    ModelFileName m = ModelFileName.resolve("/d/my_xnnpack_model_xnnpack_q8.pte", files);
    assertEquals("my_xnnpack_model_xnnpack_q8.pte", m.file());
    assertEquals("my_xnnpack_model", m.name());
    assertEquals("xnnpack", m.backend());
    assertEquals("q8", m.quantization());
  }

  @Test
  void aFileTaskJsonDoesNotListFallsBackToTheNamingConvention() {
    ModelFileName m = ModelFileName.resolve("sq_litert-stock_int8.tflite", Map.of());
    assertEquals("sq", m.name());
    assertEquals("litert-stock", m.backend());
    assertEquals("int8", m.quantization());
  }

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

  @Test
  void liteRtFilesParseWithTheirRuntimeAndTheStockVariant() {
    ModelFileName m = ModelFileName.parse("squeezebert_random_litert_int8.tflite");
    assertEquals("squeezebert_random", m.name());
    assertEquals("litert", m.backend());
    assertEquals("int8", m.quantization());
    ModelFileName stock = ModelFileName.parse("/d/squeezebert_litert-stock_fp32.tflite");
    assertEquals("squeezebert", stock.name());
    assertEquals("litert-stock", stock.backend());
    assertEquals("fp32", stock.quantization());
  }

  @Test
  void everyRuntimesNameInTheExportsConventionParsesToTagRuntimeAndSchemeTag() {
    // <tag>_<runtime>_<scheme tag><ext>: what the export names every artifact; the .tflite ones
    // move from "int8" to the scheme tag "q8".
    for (String[] c :
        List.of(
            new String[] {"squeezebert_onnx_q8.onnx", "squeezebert", "onnx", "q8"},
            new String[] {"squeezebert_xnnpack_q8.pte", "squeezebert", "xnnpack", "q8"},
            new String[] {"squeezebert_litert_q8.tflite", "squeezebert", "litert", "q8"},
            new String[] {"squeezebert_litert_int8.tflite", "squeezebert", "litert", "int8"},
            new String[] {
              "squeezebert_litert-stock_fp32.tflite", "squeezebert", "litert-stock", "fp32"
            },
            new String[] {"bert_base_random_onnx_fp32.onnx", "bert_base_random", "onnx", "fp32"},
            new String[] {"/d/minilm_litert-stock_q8.tflite", "minilm", "litert-stock", "q8"})) {
      ModelFileName m = ModelFileName.parse(c[0]);
      assertEquals(c[0].substring(c[0].lastIndexOf('/') + 1), m.file(), c[0]);
      assertEquals(c[1], m.name(), c[0]);
      assertEquals(c[2], m.backend(), c[0]);
      assertEquals(c[3], m.quantization(), c[0]);
    }
  }

  @Test
  void aFileOfNoAppRuntimeStillLosesItsExtensionBeforeParsing() {
    ModelFileName m = ModelFileName.parse("model.onnx");
    assertEquals("model", m.name());
    assertEquals("", m.backend());
  }
}
