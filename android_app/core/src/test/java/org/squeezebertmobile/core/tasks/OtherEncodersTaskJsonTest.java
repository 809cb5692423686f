package org.squeezebertmobile.core.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.squeezebertmobile.core.Fixtures;
import org.squeezebertmobile.core.bench.ModelFileName;

/**
 * The task.json of a MobileBERT and a DistilBERT artifact (issue 16), as {@code export.build
 * --init random --tiny} writes them ({@code tests/fixtures/android/task_<model>_<task>.json}; the
 * Python e2e test checks they still equal a fresh build's). The app runs them with no code change:
 * DistilBERT has no token types, but no export feeds token types (BERT's are zeros inside the
 * program), so every architecture takes the same inputs, and file names carry the model's tag.
 */
class OtherEncodersTaskJsonTest {
  private static TaskConfig load(String name) throws IOException {
    return TaskConfig.parse(Fixtures.read(name));
  }

  private static void assertFilesNameTheModel(TaskConfig c, String model) {
    for (String precision : List.of("fp32", "int8")) {
      String file = c.artifacts().get(precision);
      ModelFileName m = ModelFileName.resolve(file, c.files());
      assertEquals(model, m.name());
      assertEquals("xnnpack", m.backend());
      assertEquals(precision.equals("int8") ? "q8" : "fp32", m.quantization());
    }
  }

  @Test
  void mobileBertNerTaskJsonIsReadLikeAnyOther() throws IOException {
    TaskConfig c = load("task_mobilebert_ner.json");
    assertEquals("ner", c.task());
    assertEquals(TaskType.TOKEN_CLASSIFICATION, c.taskType());
    assertEquals(List.of("input_ids", "attention_mask"), c.inputNames());
    assertEquals(9, c.labels().size());
    assertEquals("mobilebert_random_tiny_xnnpack_q8.pte", c.artifacts().get("int8"));
    assertFilesNameTheModel(c, "mobilebert_random_tiny");
  }

  @Test
  void distilBertFillMaskTaskJsonTakesNoTokenTypes() throws IOException {
    TaskConfig c = load("task_distilbert_mlm.json");
    assertEquals("mlm", c.task());
    assertEquals(TaskType.FILL_MASK, c.taskType());
    assertEquals(List.of("input_ids", "attention_mask", "mask_positions"), c.inputNames());
    assertEquals(103, c.maskTokenId());
    assertEquals("vocab.txt", c.vocabFile());
    assertFilesNameTheModel(c, "distilbert_random_tiny");
  }
}
