package org.squeezebertmobile.core.litert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.squeezebertmobile.core.Fixtures;
import org.squeezebertmobile.core.json.Json;

/**
 * The flatbuffer reader against a real exported .tflite's Model table (subgraphs and weights
 * dropped by android_app/tools/make_tflite_keys_fixture.py), with the keys LiteRT's own Python
 * Interpreter listed for the original file as the oracle.
 */
class TfliteSignatureKeysTest {
  private static final Path FILE = Fixtures.file("tflite_signature_keys.tflite");

  private static String[] oracle() throws IOException {
    return Json.array(
            Json.parseObject(Fixtures.read("tflite_signature_keys.json")).get("signature_keys"),
            "signature_keys")
        .toArray(new String[0]);
  }

  @Test
  void readsEverySignatureKeyLiteRtListsInFileOrder() throws IOException {
    String[] keys = TfliteSignatureKeys.read(FILE);
    assertArrayEquals(oracle(), keys);
    assertEquals(13, keys.length);
  }

  @Test
  void theKeysGiveTheSignatureLengthsTheBackendPicksFrom() throws IOException {
    LiteRtSignatures signatures = LiteRtSignatures.fromKeys(TfliteSignatureKeys.read(FILE));
    assertArrayEquals(
        new int[] {8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512}, signatures.lengths());
    assertEquals(32, signatures.bucketFor(30));
  }

  @Test
  void aFileWithoutTheTfliteIdentifierIsRefusedWithOneLine(@TempDir Path dir) throws IOException {
    Path pte = dir.resolve("model.tflite");
    Files.write(pte, new byte[] {8, 0, 0, 0, 'E', 'T', '1', '2', 0, 0, 0, 0});
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TfliteSignatureKeys.read(pte));
    assertTrue(e.getMessage().contains("is not a .tflite"), e.getMessage());
  }

  @Test
  void aTruncatedFileIsRefusedAsCorruptNotWithAnIndexError() throws IOException {
    byte[] whole = Files.readAllBytes(FILE);
    ByteBuffer head = ByteBuffer.wrap(Arrays.copyOf(whole, 64));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TfliteSignatureKeys.read(head, "x"));
    assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
  }

  @Test
  void aMissingFileSaysWhereToPushIt(@TempDir Path dir) {
    FileNotFoundException e =
        assertThrows(
            FileNotFoundException.class,
            () -> TfliteSignatureKeys.read(dir.resolve("absent.tflite")));
    assertTrue(e.getMessage().contains("push the exported .tflite"), e.getMessage());
  }
}
