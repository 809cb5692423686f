package org.squeezebertmobile.core.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.squeezebertmobile.core.Fixtures;

/** A phone's sysfs files from tests/fixtures/android/sysfs_*.txt (path TAB content). */
final class SysfsFixture {
  private SysfsFixture() {}

  static Map<String, String> load(String name) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Fixtures.file(name), StandardCharsets.UTF_8)) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int tab = line.indexOf('\t');
      files.put(line.substring(0, tab), line.substring(tab + 1) + "\n");
    }
    return files;
  }

  static CpuClusters.SysFs of(Map<String, String> files) {
    return files::get;
  }
}
