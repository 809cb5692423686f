package org.squeezebertmobile.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.squeezebertmobile.core.tokenizer.Vocab;

/**
 * Locates the repository's test fixtures ({@code tests/fixtures/android}), shared with the Python
 * tests that keep them in sync with Hugging Face.
 *
 * <p>The directory comes from the system property {@code squeezebert.fixtures}, which both
 * {@code core/bin/test} and the Gradle build set; running a test without it is a setup error, not
 * a skip.
 */
public final class Fixtures {
  public static final String PROPERTY = "squeezebert.fixtures";

  private Fixtures() {}

  public static Path dir() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(
          "system property " + PROPERTY + " is not set: run the tests with android_app/core/bin/"
              + "test or ./gradlew :core:test");
    }
    Path dir = Paths.get(value);
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(PROPERTY + "=" + value + " is not a directory");
    }
    return dir;
  }

  public static Path file(String name) {
    return dir().resolve(name);
  }

  public static String read(String name) throws IOException {
    return new String(Files.readAllBytes(file(name)), StandardCharsets.UTF_8);
  }

  private static Vocab vocab;

  /** The bert-base-uncased vocab (byte-identical to the reference tokenizer's). */
  public static synchronized Vocab vocab() throws IOException {
    if (vocab == null) {
      vocab = Vocab.load(file("vocab.txt"));
    }
    return vocab;
  }
}
