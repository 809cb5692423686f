package org.squeezebertmobile.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.squeezebertmobile.core.Fixtures;

/** The /proc readers on real captured text, and live on this JVM's own /proc. */
class ProcStatTest {
  private static List<String> lines(String name) throws IOException {
    return Files.readAllLines(Fixtures.file(name), StandardCharsets.UTF_8).stream()
        .filter(l -> !l.startsWith("#"))
        .collect(Collectors.toList());
  }

  @Test
  void field39IsTheCoreEvenWhenTheCommandNameHoldsSpacesAndParentheses() throws IOException {
    List<String> stat = lines("proc_thread_self_stat_x86_64.txt");
    // Captured under `taskset -c 1` with the command name "my cat) (1".
    assertTrue(stat.get(1).contains("(my cat) (1)"));
    assertEquals(1, ProcStat.processor(stat.get(1)));
    assertEquals(16796L, ProcStat.field(stat.get(1), 4), "ppid, counted past the name");
    assertEquals(1, ProcStat.processor(stat.get(0)));
    assertThrows(IllegalArgumentException.class, () -> ProcStat.processor("12 R 1 2"));
    assertThrows(IllegalArgumentException.class, () -> ProcStat.processor("12 (x) R 1 2"));
  }

  @Test
  void peakAndCurrentRssComeFromVmHwmAndVmRssInKilobytes() throws IOException {
    String status = String.join("\n", lines("proc_self_status_x86_64.txt"));
    assertEquals(1684L, ProcStat.peakRssKb(status));
    assertEquals(ProcStat.statusKb(status, "VmRSS"), ProcStat.rssKb(status));
    assertEquals(-1L, ProcStat.peakRssKb("Name:\tcat\n"));
  }

  @Test
  void theLinuxProbeReadsThisJvmsOwnThreadCoreAndPeakRss() {
    Path proc = Paths.get("/proc");
    LinuxProbe probe = new LinuxProbe(proc, Paths.get("/"), () -> -1);
    int cpu = probe.currentCpu();
    assertTrue(cpu >= 0, "core of this thread from /proc/thread-self/stat: " + cpu);
    assertTrue(probe.peakRssKb() > 1024, "a JVM's VmHWM is above 1 MB");
    assertEquals(-1L, probe.pssKb(), "PSS comes from the platform (Debug.getPss on Android)");
  }
}
