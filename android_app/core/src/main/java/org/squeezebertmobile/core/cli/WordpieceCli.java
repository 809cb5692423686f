package org.squeezebertmobile.core.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.squeezebertmobile.core.tokenizer.Encoding;
import org.squeezebertmobile.core.tokenizer.Vocab;
import org.squeezebertmobile.core.tokenizer.WordPieceTokenizer;

/**
 * {@code wordpiece --vocab FILE [--max-length N]}: token ids of each stdin line, one line each.
 *
 * <p>It exists so anyone can check the Java tokenizer against another implementation with a
 * pipe, and so the Python tests can compare it with Hugging Face on real text. Input is read as
 * UTF-8 and split on LF/CR/CRLF only; ids include [CLS] and [SEP].
 */
public final class WordpieceCli {
  static final String USAGE = "usage: wordpiece --vocab FILE [--max-length N]";
  /** BERT's position-embedding limit, the largest length any exported model accepts. */
  static final int DEFAULT_MAX_LENGTH = 512;

  private WordpieceCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.in, System.out, System.err));
  }

  /** Runs the tool; returns the process exit code (0 ok, 1 I/O failure, 2 usage error). */
  public static int run(String[] args, InputStream in, OutputStream out, PrintStream err) {
    Path vocabPath = null;
    int maxLength = DEFAULT_MAX_LENGTH;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        err.println(USAGE);
        err.println("Reads UTF-8 lines from stdin and prints the BERT WordPiece ids of each "
            + "line ([CLS] ... [SEP]), space-separated, one line per input line.");
        return 0;
      }
      String value;
      String name;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else {
        name = arg;
        if (!name.equals("--vocab") && !name.equals("--max-length")) {
          return usageError(err, "unknown argument '" + arg + "'");
        }
        if (i + 1 >= args.length) {
          return usageError(err, name + " needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--vocab":
          vocabPath = Paths.get(value);
          break;
        case "--max-length":
          try {
            maxLength = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            return usageError(err, "--max-length must be an integer, got '" + value + "'");
          }
          if (maxLength < 2) {
            return usageError(err, "--max-length must be at least 2 (room for [CLS] and [SEP])");
          }
          break;
        default:
          return usageError(err, "unknown argument '" + arg + "'");
      }
    }
    if (vocabPath == null) {
      return usageError(err, "--vocab FILE is required (the task's vocab.txt)");
    }
    WordPieceTokenizer tokenizer;
    try {
      tokenizer = new WordPieceTokenizer(Vocab.load(vocabPath));
    } catch (NoSuchFileException e) {
      err.println("wordpiece: error: vocab file " + vocabPath + " not found; pass the vocab.txt "
          + "of an exported task with --vocab");
      return 2;
    } catch (IOException | IllegalArgumentException e) {
      err.println("wordpiece: error: cannot read vocab " + vocabPath + ": " + e.getMessage());
      return 2;
    }
    try {
      BufferedReader reader =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
      StringBuilder line = new StringBuilder();
      String text;
      while ((text = reader.readLine()) != null) {
        Encoding encoding = tokenizer.encode(text, maxLength);
        line.setLength(0);
        for (int k = 0; k < encoding.length(); k++) {
          if (k > 0) {
            line.append(' ');
          }
          line.append(encoding.id(k));
        }
        writer.write(line.append('\n').toString());
      }
      writer.flush();
      return 0;
    } catch (IOException e) {
      err.println("wordpiece: error: " + e.getMessage());
      return 1;
    }
  }

  private static int usageError(PrintStream err, String message) {
    err.println("wordpiece: error: " + message + " (" + USAGE + ")");
    return 2;
  }
}
