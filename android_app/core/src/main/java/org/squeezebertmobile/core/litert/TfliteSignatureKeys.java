package org.squeezebertmobile.core.litert;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The signature keys of a {@code .tflite}, read from its flatbuffer.
 *
 * <p>Why: LiteRT's Kotlin {@code CompiledModel} runs a signature by name but has no call that
 * lists them (checked at google-ai-edge/LiteRT v2.2.0 {@code Model.kt}; Python's has {@code
 * get_signature_list}), and opening an {@code Interpreter} just to ask would allocate tensors
 * the benchmark's peak RSS would count. The keys sit in the file's root {@code Model} table
 * ({@code tflite/converter/schema/schema.fbs}): field 7 {@code signature_defs}, a vector of
 * {@code SignatureDef} tables whose field 2 is {@code signature_key}. Only those few bytes are
 * read from a memory-mapped file; the weights are never touched.
 */
public final class TfliteSignatureKeys {
  /** The flatbuffer file identifier of a TFLite model (schema.fbs {@code file_identifier}). */
  private static final String IDENTIFIER = "TFL3";

  private static final int MODEL_SIGNATURE_DEFS = 7;
  private static final int SIGNATURE_DEF_KEY = 2;

  private TfliteSignatureKeys() {}

  /** The keys of {@code tflite}'s signatures, in file order. */
  public static String[] read(Path tflite) throws IOException {
    if (!Files.isRegularFile(tflite)) {
      throw new FileNotFoundException(tflite + " does not exist: push the exported .tflite there");
    }
    try (FileChannel channel = FileChannel.open(tflite, StandardOpenOption.READ)) {
      return read(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()), tflite);
    }
  }

  /** The keys of the model in {@code buffer} ({@code name} names it in errors). */
  public static String[] read(ByteBuffer buffer, Object name) {
    ByteBuffer buf = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    try {
      if (!IDENTIFIER.equals(bytes(buf, 4, 4, StandardCharsets.US_ASCII))) {
        throw new IllegalArgumentException(
            name + " is not a .tflite (no TFL3 identifier): export it with --formats litert");
      }
      int model = buf.getInt(0);
      int defs = field(buf, model, MODEL_SIGNATURE_DEFS);
      if (defs == 0) {
        return new String[0];
      }
      int vector = defs + buf.getInt(defs);
      String[] keys = new String[buf.getInt(vector)];
      for (int i = 0; i < keys.length; i++) {
        int element = vector + 4 + 4 * i;
        int def = element + buf.getInt(element);
        int key = field(buf, def, SIGNATURE_DEF_KEY);
        keys[i] = key == 0 ? "" : string(buf, key + buf.getInt(key));
      }
      return keys;
    } catch (IndexOutOfBoundsException | NegativeArraySizeException e) {
      throw new IllegalArgumentException(
          name + " is a truncated or corrupt .tflite: export it again", e);
    }
  }

  /** The absolute position of table {@code table}'s field {@code index}, or 0 when absent. */
  private static int field(ByteBuffer buf, int table, int index) {
    int vtable = table - buf.getInt(table);
    int vtableSize = Short.toUnsignedInt(buf.getShort(vtable));
    int slot = 4 + 2 * index;
    if (slot >= vtableSize) {
      return 0;
    }
    int offset = Short.toUnsignedInt(buf.getShort(vtable + slot));
    return offset == 0 ? 0 : table + offset;
  }

  private static String string(ByteBuffer buf, int at) {
    return bytes(buf, at + 4, buf.getInt(at), StandardCharsets.UTF_8);
  }

  /** Absolute reads one byte at a time: ByteBuffer's absolute bulk get is Android API 34+. */
  private static String bytes(ByteBuffer buf, int at, int length, Charset charset) {
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      out[i] = buf.get(at + i);
    }
    return new String(out, charset);
  }
}
