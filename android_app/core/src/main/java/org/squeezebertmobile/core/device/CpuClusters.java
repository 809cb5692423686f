package org.squeezebertmobile.core.device;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The phone's CPU clusters, read from sysfs: {@code /sys/devices/system/cpu/cpuN/cpufreq/
 * cpuinfo_max_freq} (kHz) per core, grouped by {@code cpufreq/related_cpus} (the cores that
 * share one clock, i.e. one cluster), falling back to {@code topology/physical_package_id}
 * (which big.LITTLE SoCs set per cluster) and then to equal maximum frequencies.
 *
 * <p>A big.LITTLE phone runs a single-threaded benchmark wherever the scheduler puts it, so
 * samples are only comparable when they say which cluster and which clock they ran on. The
 * "big" cluster is the one with the highest maximum frequency, "little" the lowest.
 */
public final class CpuClusters {
  /** Reads one sysfs file as text; null when it does not exist or cannot be read. */
  public interface SysFs {
    String read(String path) throws IOException;
  }

  public static final String CPU_ROOT = "/sys/devices/system/cpu/";

  /** One cluster: its cores, ascending, and their shared maximum frequency. */
  public static final class Cluster {
    public final List<Integer> cpus;
    public final long maxFreqKhz;

    Cluster(List<Integer> cpus, long maxFreqKhz) {
      this.cpus = Collections.unmodifiableList(cpus);
      this.maxFreqKhz = maxFreqKhz;
    }

    @Override
    public String toString() {
      return "cpus " + cpus + " @ " + maxFreqKhz / 1000 + " MHz";
    }
  }

  private final List<Cluster> clusters; // slowest first

  private CpuClusters(List<Cluster> clusters) {
    this.clusters = Collections.unmodifiableList(clusters);
  }

  /** Clusters of cores {@code 0 .. cpuCount-1}; cores without cpufreq are skipped. */
  public static CpuClusters read(SysFs fs, int cpuCount) throws IOException {
    Map<String, List<Integer>> groups = new TreeMap<>();
    Map<String, Long> freq = new TreeMap<>();
    for (int cpu = 0; cpu < cpuCount; cpu++) {
      String max = fs.read(CPU_ROOT + "cpu" + cpu + "/cpufreq/cpuinfo_max_freq");
      if (max == null || max.isBlank()) {
        continue;
      }
      long khz = Long.parseLong(max.trim());
      String key = groupKey(fs, cpu, khz);
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(cpu);
      freq.merge(key, khz, Math::max);
    }
    if (groups.isEmpty()) {
      throw new IOException(
          "no " + CPU_ROOT + "cpuN/cpufreq/cpuinfo_max_freq readable: cannot tell the clusters");
    }
    List<Cluster> out = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> e : groups.entrySet()) {
      out.add(new Cluster(e.getValue(), freq.get(e.getKey())));
    }
    out.sort((a, b) -> a.maxFreqKhz != b.maxFreqKhz
        ? Long.compare(a.maxFreqKhz, b.maxFreqKhz)
        : Integer.compare(a.cpus.get(0), b.cpus.get(0)));
    return new CpuClusters(out);
  }

  private static String groupKey(SysFs fs, int cpu, long khz) throws IOException {
    String related = fs.read(CPU_ROOT + "cpu" + cpu + "/cpufreq/related_cpus");
    if (related != null && !related.isBlank()) {
      return "related:" + related.trim();
    }
    String pkg = fs.read(CPU_ROOT + "cpu" + cpu + "/topology/physical_package_id");
    if (pkg != null && !pkg.isBlank()) {
      return "package:" + pkg.trim();
    }
    return "freq:" + khz;
  }

  /** Clusters, slowest maximum frequency first. */
  public List<Cluster> clusters() {
    return clusters;
  }

  /** The cluster with the highest maximum frequency. */
  public Cluster big() {
    return clusters.get(clusters.size() - 1);
  }

  /** The cluster with the lowest maximum frequency. */
  public Cluster little() {
    return clusters.get(0);
  }

  /** The cluster holding {@code cpu}, or null. */
  public Cluster of(int cpu) {
    for (Cluster c : clusters) {
      if (c.cpus.contains(cpu)) {
        return c;
      }
    }
    return null;
  }

  /** The current clock of {@code cpu} in kHz ({@code scaling_cur_freq}); -1 if unreadable. */
  public static long currentFreqKhz(SysFs fs, int cpu) {
    try {
      String text = fs.read(CPU_ROOT + "cpu" + cpu + "/cpufreq/scaling_cur_freq");
      return text == null || text.isBlank() ? -1 : Long.parseLong(text.trim());
    } catch (IOException | NumberFormatException e) {
      return -1; // SELinux denies it to apps on some releases: the sample keeps its core only
    }
  }
}
