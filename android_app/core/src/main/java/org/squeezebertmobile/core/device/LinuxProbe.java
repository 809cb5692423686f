package org.squeezebertmobile.core.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * {@link DeviceProbe} over a Linux {@code /proc} and {@code /sys} (Android's, or the JVM host's
 * in tests). The core comes from {@code /proc/thread-self/stat} field 39: the worker thread's
 * own entry, where {@code /proc/self/stat} would describe the process's main thread. PSS has no
 * cheap file (smaps_rollup is slow and not always readable by apps), so it is passed in: {@code
 * Debug::getPss} on Android.
 */
public final class LinuxProbe implements DeviceProbe {
  private final Path proc;
  private final CpuClusters.SysFs sys;
  private final CpuClusters clusters; // null when sysfs has no cpufreq
  private final LongSupplier pssKb;

  public LinuxProbe(Path procRoot, Path sysRoot, LongSupplier pssKb) {
    this.proc = procRoot;
    this.sys = files(sysRoot);
    this.pssKb = pssKb;
    CpuClusters found;
    try {
      found = CpuClusters.read(sys, Runtime.getRuntime().availableProcessors());
    } catch (IOException | RuntimeException e) {
      found = null; // a VM or container without cpufreq: cores are still recorded
    }
    this.clusters = found;
  }

  /** sysfs paths ("/sys/devices/...") resolved under {@code root} ("/" on a device). */
  public static CpuClusters.SysFs files(Path root) {
    return path -> {
      try {
        Path file = root.resolve(path.startsWith("/") ? path.substring(1) : path);
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        return null;
      }
    };
  }

  /** The clusters this probe found, or null when sysfs has no cpufreq. */
  public CpuClusters clusters() {
    return clusters;
  }

  @Override
  public int currentCpu() {
    try {
      return ProcStat.processor(read(proc.resolve("thread-self/stat")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  @Override
  public long currentFreqKhz(int cpu) {
    return cpu < 0 ? -1 : CpuClusters.currentFreqKhz(sys, cpu);
  }

  @Override
  public long maxFreqKhz(int cpu) {
    CpuClusters.Cluster cluster = clusters == null ? null : clusters.of(cpu);
    return cluster == null ? -1 : cluster.maxFreqKhz;
  }

  @Override
  public long pssKb() {
    return pssKb.getAsLong();
  }

  @Override
  public long peakRssKb() {
    try {
      return ProcStat.peakRssKb(read(proc.resolve("self/status")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }
}
