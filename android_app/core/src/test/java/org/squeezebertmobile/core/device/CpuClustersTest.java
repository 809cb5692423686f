package org.squeezebertmobile.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cluster discovery on two phones' sysfs layouts (hand-written fixtures, not captures). */
class CpuClustersTest {
  @Test
  void aSnapdragon845SplitsIntoItsFourLittleAndFourBigCores() throws IOException {
    CpuClusters.SysFs fs = SysfsFixture.of(SysfsFixture.load("sysfs_galaxy_s9_us.txt"));
    CpuClusters clusters = CpuClusters.read(fs, 8);
    assertEquals(2, clusters.clusters().size());
    assertEquals(List.of(4, 5, 6, 7), clusters.big().cpus);
    assertEquals(2_803_200L, clusters.big().maxFreqKhz);
    assertEquals(List.of(0, 1, 2, 3), clusters.little().cpus);
    assertEquals(1_766_400L, clusters.little().maxFreqKhz);
    assertEquals(825_600L, CpuClusters.currentFreqKhz(fs, 5), "the fixture's idle clock");
    assertEquals(clusters.big(), clusters.of(6));
  }

  @Test
  void aKirin980HasThreeClustersAndBigIsTheTwoFastestCores() throws IOException {
    CpuClusters clusters =
        CpuClusters.read(SysfsFixture.of(SysfsFixture.load("sysfs_huawei_mate_20.txt")), 8);
    assertEquals(3, clusters.clusters().size());
    assertEquals(List.of(6, 7), clusters.big().cpus);
    assertEquals(2_600_000L, clusters.big().maxFreqKhz);
    assertEquals(List.of(4, 5), clusters.clusters().get(1).cpus);
    assertEquals(List.of(0, 1, 2, 3), clusters.little().cpus);
  }

  @Test
  void withoutRelatedCpusTheClustersComeFromThePhysicalPackage() throws IOException {
    Map<String, String> files = SysfsFixture.load("sysfs_galaxy_s9_us.txt");
    files.keySet().removeIf(p -> p.endsWith("/related_cpus"));
    CpuClusters clusters = CpuClusters.read(SysfsFixture.of(files), 8);
    assertEquals(List.of(4, 5, 6, 7), clusters.big().cpus);
    assertEquals(List.of(0, 1, 2, 3), clusters.little().cpus);
  }

  @Test
  void noCpufreqAtAllIsAnErrorNamingTheFilesAndAnUnreadableClockIsMinusOne(@TempDir Path tmp) {
    CpuClusters.SysFs empty = LinuxProbe.files(tmp);
    IOException e = assertThrows(IOException.class, () -> CpuClusters.read(empty, 4));
    assertTrue(e.getMessage().contains("cpufreq/cpuinfo_max_freq"), e.getMessage());
    assertEquals(-1L, CpuClusters.currentFreqKhz(empty, 0));
  }
}
