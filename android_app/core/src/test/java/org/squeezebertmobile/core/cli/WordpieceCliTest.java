package org.squeezebertmobile.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.squeezebertmobile.core.Fixtures;

class WordpieceCliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String stdin, String... args) {
    return WordpieceCli.run(
        args,
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        out,
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String vocab() {
    return Fixtures.file("vocab.txt").toString();
  }

  @Test
  void printsOneLineOfIdsPerInputLineIncludingEmptyLines() {
    assertEquals(0, run("Hello world\n\ncafé\r\n", "--vocab", vocab()));
    assertEquals("101 7592 2088 102\n101 102\n101 7668 102\n",
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void maxLengthTruncates() {
    assertEquals(0, run("the quick brown fox\n", "--vocab=" + vocab(), "--max-length", "4"));
    assertEquals("101 1996 4248 102\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void missingVocabIsOneLineNamingTheFileAndFix() {
    assertEquals(2, run("x\n", "--vocab", "/no/such/vocab.txt"));
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, message.trim().split("\n").length, message);
    assertTrue(message.contains("/no/such/vocab.txt") && message.contains("--vocab"), message);
  }

  @Test
  void badFlagsAreUsageErrors() {
    assertEquals(2, run("", "--vocab", vocab(), "--max-length", "one"));
    assertEquals(2, run("", "--vocab", vocab(), "--max-length", "1"));
    assertEquals(2, run("", "--frobnicate"));
    assertEquals(2, run(""));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage: wordpiece"));
  }
}
