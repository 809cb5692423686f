package org.squeezebertmobile.core.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TaskTypeTest {
  @Test
  void pipelineTagsNameTheThreeTypes() {
    assertEquals(TaskType.FILL_MASK, TaskType.fromJson("fill-mask"));
    assertEquals(TaskType.SEQUENCE_CLASSIFICATION, TaskType.fromJson("text-classification"));
    assertEquals(TaskType.TOKEN_CLASSIFICATION, TaskType.fromJson("token-classification"));
  }

  @Test
  void foldersWrittenBeforeThePipelineTagsStillRead() {
    assertEquals(TaskType.SEQUENCE_CLASSIFICATION, TaskType.fromJson("sequence-classification"));
  }

  @Test
  void theExporterWritesThePipelineTag() {
    assertEquals("text-classification", TaskType.SEQUENCE_CLASSIFICATION.jsonName());
  }

  @Test
  void anUnknownTypeNamesTheAcceptedOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TaskType.fromJson("summarization"));
    assertTrue(e.getMessage().contains("text-classification"), e.getMessage());
  }

  @Test
  void aTaskJsonWithThePipelineTagParses() {
    String json =
        "{\"task\": \"news\", \"task_type\": \"text-classification\", \"max_length\": 256,"
            + " \"max_seq_len\": 512, \"input_names\": [\"input_ids\", \"attention_mask\"],"
            + " \"input_dtype\": \"int64\", \"output_name\": \"logits\","
            + " \"labels\": [\"business\", \"sport\"], \"do_lower_case\": true,"
            + " \"vocab_file\": \"vocab.txt\", \"special_tokens\": {\"pad\": 0, \"unk\": 100,"
            + " \"cls\": 101, \"sep\": 102, \"mask\": 103}, \"mask_token_id\": 103,"
            + " \"artifacts\": {\"fp32\": \"sq_xnnpack_fp32.pte\"}, \"files\": {}}";
    assertEquals(TaskType.SEQUENCE_CLASSIFICATION, TaskConfig.parse(json).taskType());
  }
}
