package org.squeezebertmobile.core.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Chunking cases, with the results seqeval's get_entities gives for the same tags. */
class BioDecoderTest {
  private static List<BioDecoder.Chunk> decode(String... tags) {
    return BioDecoder.decode(Arrays.asList(tags));
  }

  private static BioDecoder.Chunk chunk(String type, int first, int last) {
    return new BioDecoder.Chunk(type, first, last);
  }

  @Test
  void wellFormedBioSpans() {
    assertEquals(
        List.of(chunk("PER", 0, 1), chunk("LOC", 3, 3)),
        decode("B-PER", "I-PER", "O", "B-LOC"));
  }

  @Test
  void insideTagAfterOutsideStartsAnEntity() {
    assertEquals(List.of(chunk("ORG", 1, 2)), decode("O", "I-ORG", "I-ORG", "O"));
  }

  @Test
  void typeChangeSplitsEvenWithoutBegin() {
    assertEquals(
        List.of(chunk("PER", 0, 1), chunk("LOC", 2, 2)), decode("B-PER", "I-PER", "I-LOC"));
  }

  @Test
  void beginAfterBeginOfSameTypeSplits() {
    assertEquals(List.of(chunk("MISC", 0, 0), chunk("MISC", 1, 1)), decode("B-MISC", "B-MISC"));
  }

  @Test
  void entityRunningToTheEndIsClosed() {
    assertEquals(List.of(chunk("LOC", 2, 3)), decode("O", "O", "B-LOC", "I-LOC"));
  }

  @Test
  void iobesTagsAreUnderstood() {
    assertEquals(
        List.of(chunk("PER", 0, 2), chunk("LOC", 3, 3)),
        decode("B-PER", "I-PER", "E-PER", "S-LOC"));
  }

  @Test
  void allOutsideHasNoEntities() {
    assertEquals(List.of(), decode("O", "O"));
    assertEquals(List.of(), decode());
  }
}
