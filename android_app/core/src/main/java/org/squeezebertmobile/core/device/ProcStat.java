package org.squeezebertmobile.core.device;

/**
 * Parsers for the two {@code /proc} files the phone benchmark reads between timed samples.
 *
 * <p>{@code /proc/<pid>/stat} (and {@code /proc/thread-self/stat}, the calling thread's view, which
 * is what a benchmark worker thread wants): field 39, {@code processor}, is the CPU the task last
 * ran on (proc(5)). Field 2, the command name, is in parentheses and may itself contain spaces
 * and parentheses, so fields are counted from the last {@code ')'}, as procps does.
 *
 * <p>{@code /proc/self/status}: {@code VmHWM} is the process's peak resident set size and {@code
 * VmRSS} the current one, both in kB.
 */
public final class ProcStat {
  /** proc(5) numbers the fields from 1; {@code processor} is field 39. */
  public static final int PROCESSOR_FIELD = 39;

  private ProcStat() {}

  /** The CPU the task of this stat line last ran on (field 39). */
  public static int processor(String statLine) {
    return (int) field(statLine, PROCESSOR_FIELD);
  }

  /** Field {@code number} (1-based, number >= 3) of a stat line, as a long. */
  public static long field(String statLine, int number) {
    if (number < 3) {
      throw new IllegalArgumentException("fields 1 and 2 are not numeric; ask for field >= 3");
    }
    int close = statLine.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalArgumentException("not a /proc stat line (no \"(comm)\"): " + statLine);
    }
    String[] rest = statLine.substring(close + 1).trim().split("\\s+");
    int index = number - 3; // rest[0] is field 3 (state)
    if (index >= rest.length) {
      throw new IllegalArgumentException(
          "stat line has " + (rest.length + 2) + " fields, field " + number + " is missing");
    }
    return Long.parseLong(rest[index]);
  }

  /** Peak resident set size in kB ({@code VmHWM}), or -1 when the file has no such line. */
  public static long peakRssKb(String statusText) {
    return statusKb(statusText, "VmHWM");
  }

  /** Current resident set size in kB ({@code VmRSS}), or -1 when absent. */
  public static long rssKb(String statusText) {
    return statusKb(statusText, "VmRSS");
  }

  /** A {@code Name:   1234 kB} line of /proc/self/status, in kB; -1 when absent. */
  public static long statusKb(String statusText, String name) {
    for (String line : statusText.split("\n")) {
      if (line.startsWith(name + ":")) {
        String value = line.substring(name.length() + 1).trim();
        int space = value.indexOf(' ');
        return Long.parseLong(space < 0 ? value : value.substring(0, space));
      }
    }
    return -1;
  }
}
