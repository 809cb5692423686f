package org.squeezebertmobile.core.litert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.squeezebertmobile.core.Fixtures;
import org.squeezebertmobile.core.json.Json;

/**
 * The Java side of the LiteRT input convention against a real exported .tflite: the fixture
 * (android_app/tools/make_litert_fixture.py) holds that file's signatures as LiteRT reports them
 * and the choices the exporter's Python runner made for real-length inputs.
 */
class LiteRtSignaturesTest {
  private static Map<String, Object> fixture() throws IOException {
    return Json.parseObject(Fixtures.read("litert_signatures.json"));
  }

  private static String[] keys(Map<String, Object> fixture) {
    return Json.object(fixture.get("signatures"), "signatures").keySet().toArray(new String[0]);
  }

  private static float[] floats(String base64) {
    ByteBuffer bytes =
        ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(out);
    return out;
  }

  private static long[] longs(Object value, String what) {
    int[] ints = Json.intArray(value, what);
    long[] out = new long[ints.length];
    for (int i = 0; i < ints.length; i++) {
      out[i] = ints[i];
    }
    return out;
  }

  @Test
  void everySignatureOfTheRealFileTakesInt32InputsNamedAsTheCoreFeedsThem() throws IOException {
    Map<String, Object> signatures = Json.object(fixture().get("signatures"), "signatures");
    assertTrue(signatures.size() > 1, "the exporter writes one signature per length");
    LiteRtSignatures parsed = LiteRtSignatures.fromKeys(keys(fixture()));
    for (int length : parsed.lengths()) {
      Map<String, Object> signature =
          Json.object(signatures.get(LiteRtSignatures.PREFIX + length), "signature");
      Map<String, Object> inputs = Json.object(signature.get("inputs"), "inputs");
      assertEquals(
          List.of(LiteRtSignatures.ATTENTION_MASK, LiteRtSignatures.INPUT_IDS),
          new ArrayList<>(new java.util.TreeSet<>(inputs.keySet())));
      for (Object input : inputs.values()) {
        Map<String, Object> details = Json.object(input, "input");
        assertEquals("int32", Json.string(details, "dtype"));
        assertArrayEquals(new int[] {1, length}, Json.intArray(details.get("shape"), "shape"));
      }
      Map<String, Object> outputs = Json.object(signature.get("outputs"), "outputs");
      assertEquals(List.of(LiteRtSignatures.OUTPUT), new ArrayList<>(outputs.keySet()));
    }
  }

  @Test
  void picksThePythonRunnersSignatureAndFeedsItsPaddedInt32Tensors() throws IOException {
    Map<String, Object> fixture = fixture();
    LiteRtSignatures signatures = LiteRtSignatures.fromKeys(keys(fixture));
    List<Object> cases = Json.array(fixture.get("cases"), "cases");
    assertTrue(cases.size() >= 3);
    for (Object item : cases) {
      Map<String, Object> c = Json.object(item, "case");
      LiteRtSignatures.Feed feed =
          signatures.feed(
              longs(c.get("input_ids"), "input_ids"),
              longs(c.get("attention_mask"), "attention_mask"),
              null);
      assertEquals(Json.string(c, "signature"), feed.signature);
      assertEquals(Json.integer(c, "length"), feed.length);
      assertArrayEquals(Json.intArray(c.get("padded_input_ids"), "ids"), feed.inputIds[0]);
      assertArrayEquals(
          Json.intArray(c.get("padded_attention_mask"), "mask"), feed.attentionMask[0]);
    }
  }

  @Test
  void keepsTheLogitsOfRealTokensExactlyAsThePythonRunnerDoes() throws IOException {
    for (Object item : Json.array(fixture().get("cases"), "cases")) {
      Map<String, Object> c = Json.object(item, "case");
      float[] kept =
          LiteRtSignatures.realLogits(
              floats(Json.string(c, "output_b64")),
              Json.intArray(c.get("output_shape"), "shape"),
              Json.integer(c, "length"));
      assertArrayEquals(floats(Json.string(c, "real_logits_b64")), kept);
    }
  }

  @Test
  void refusesSequencesLongerThanTheLargestSignatureAndFilesWithoutOurSignatures() {
    LiteRtSignatures signatures =
        LiteRtSignatures.fromKeys(new String[] {"seq_128", "seq_32", "serving_default"});
    assertArrayEquals(new int[] {32, 128}, signatures.lengths());
    assertEquals("seq_32", signatures.keyFor(2));
    assertEquals("seq_128", signatures.keyFor(33));
    IllegalArgumentException tooLong =
        assertThrows(IllegalArgumentException.class, () -> signatures.keyFor(129));
    assertTrue(tooLong.getMessage().contains("largest signature 128"));
    assertThrows(
        IllegalArgumentException.class,
        () -> LiteRtSignatures.fromKeys(new String[] {"serving_default"}));
  }

  @Test
  void masksPadToTheSignaturesCountByRepeatingTheLastPositionAndKeepTheirOwnRows() {
    LiteRtSignatures signatures = LiteRtSignatures.fromKeys(new String[] {"seq_32", "seq_64"});
    long[] ids = new long[20];
    long[] mask = new long[20];
    LiteRtSignatures.Feed feed = signatures.feed(ids, mask, new long[] {4, 9});
    assertEquals("seq_32", feed.signature);
    assertEquals(2, feed.rows);
    assertArrayEquals(new int[] {4, 9, 9}, feed.maskPositions[0]);
    assertEquals(32, feed.inputIds[0].length);
    float[] output = {1, 2, 3, 4, 5, 6};
    assertArrayEquals(
        new float[] {1, 2, 3, 4},
        LiteRtSignatures.realLogits(output, new int[] {1, 3, 2}, feed.rows));
  }

  @Test
  void moreMasksThanASignatureTakesMoveToTheNextSignatureOrAreRefused() {
    LiteRtSignatures signatures = LiteRtSignatures.fromKeys(new String[] {"seq_32", "seq_64"});
    LiteRtSignatures.Feed feed =
        signatures.feed(new long[20], new long[20], new long[] {1, 2, 3, 4});
    assertEquals("seq_64", feed.signature);
    assertArrayEquals(new int[] {1, 2, 3, 4, 4, 4}, feed.maskPositions[0]);
    IllegalArgumentException tooMany =
        assertThrows(
            IllegalArgumentException.class,
            () -> signatures.feed(new long[20], new long[20], new long[7]));
    assertTrue(tooMany.getMessage().contains("7 mask positions exceed the 6"));
    assertNull(signatures.feed(new long[5], new long[5], null).maskPositions);
  }

  @Test
  void moreMasksThanTheLargestSignatureTakesRunInChunksLikeThePythonRunner() {
    LiteRtSignatures signatures = LiteRtSignatures.fromKeys(new String[] {"seq_32", "seq_64"});
    long[] positions = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    java.util.List<LiteRtSignatures.Feed> feeds =
        signatures.feeds(new long[20], new long[20], positions);
    // seq_64 takes 6 positions: 14 run as 6 + 6 on seq_64, the last 2 on seq_32 (M_32 = 3).
    assertEquals(3, feeds.size());
    assertEquals("seq_64", feeds.get(0).signature);
    assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, feeds.get(0).maskPositions[0]);
    assertArrayEquals(new int[] {7, 8, 9, 10, 11, 12}, feeds.get(1).maskPositions[0]);
    assertEquals("seq_32", feeds.get(2).signature);
    assertArrayEquals(new int[] {13, 14, 14}, feeds.get(2).maskPositions[0]);
    assertEquals(2, feeds.get(2).rows);
    // Rows concatenate in request order: [1, 14, V].
    float[] merged =
        LiteRtSignatures.concat(
            java.util.List.of(new float[] {1, 2}, new float[] {3}, new float[] {4, 5}));
    assertArrayEquals(new float[] {1, 2, 3, 4, 5}, merged);
    assertEquals(1, signatures.feeds(new long[20], new long[20], new long[] {3}).size());
    assertEquals(1, signatures.feeds(new long[20], new long[20], null).size());
    assertThrows(
        IllegalArgumentException.class,
        () -> signatures.feeds(new long[65], new long[65], positions));
  }

  @Test
  void aRealMaskedLmFileTakesTheMaskedCountOfEachSignatureAndTheCoreFeedsItAsPython()
      throws IOException {
    Map<String, Object> fixture = Json.parseObject(Fixtures.read("litert_signatures_mlm.json"));
    Map<String, Object> signatures = Json.object(fixture.get("signatures"), "signatures");
    LiteRtSignatures parsed = LiteRtSignatures.fromKeys(keys(fixture));
    for (int length : parsed.lengths()) {
      Map<String, Object> signature =
          Json.object(signatures.get(LiteRtSignatures.PREFIX + length), "signature");
      Map<String, Object> inputs = Json.object(signature.get("inputs"), "inputs");
      Map<String, Object> positions =
          Json.object(inputs.get(LiteRtSignatures.MASK_POSITIONS), "mask_positions");
      assertEquals("int32", Json.string(positions, "dtype"));
      assertArrayEquals(
          new int[] {1, LiteRtSignatures.maskedCount(length)},
          Json.intArray(positions.get("shape"), "shape"));
    }
    List<Object> cases = Json.array(fixture.get("cases"), "cases");
    assertTrue(cases.size() >= 4);
    for (Object item : cases) {
      Map<String, Object> c = Json.object(item, "case");
      LiteRtSignatures.Feed feed =
          parsed.feed(
              longs(c.get("input_ids"), "input_ids"),
              longs(c.get("attention_mask"), "attention_mask"),
              longs(c.get("mask_positions"), "mask_positions"));
      assertEquals(Json.string(c, "signature"), feed.signature);
      assertEquals(Json.integer(c, "rows"), feed.rows);
      assertArrayEquals(Json.intArray(c.get("padded_input_ids"), "ids"), feed.inputIds[0]);
      assertArrayEquals(
          Json.intArray(c.get("padded_attention_mask"), "mask"), feed.attentionMask[0]);
      assertArrayEquals(
          Json.intArray(c.get("padded_mask_positions"), "positions"), feed.maskPositions[0]);
      int[] shape = Json.intArray(c.get("output_shape"), "shape");
      assertEquals(feed.maskPositions[0].length, shape[1]);
    }
  }
}
