package org.squeezebertmobile.core.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The phone a result was measured on, in minibench's "deviceInfo" shape plus the SoC.
 *
 * <p>Filled by the app from {@code android.os.Build}; kept here, free of Android types, so the
 * JSON it becomes is tested on the JVM.
 */
public final class DeviceInfo {
  private final String brand;
  private final String model;
  private final String soc;
  private final String os;
  private final long totalMemBytes;
  private final long availMemBytes;

  /**
   * @param brand Build.BRAND ("device" in minibench's JSON)
   * @param model Build.MODEL ("arch" in minibench's JSON)
   * @param soc Build.SOC_MODEL on API 31+, else Build.HARDWARE
   * @param os e.g. "Android 14"
   */
  public DeviceInfo(
      String brand, String model, String soc, String os, long totalMemBytes, long availMemBytes) {
    this.brand = brand;
    this.model = model;
    this.soc = soc;
    this.os = os;
    this.totalMemBytes = totalMemBytes;
    this.availMemBytes = availMemBytes;
  }

  /** "Android " + Build.VERSION.RELEASE, as minibench writes it. */
  public static String osName(String release) {
    return "Android " + release;
  }

  public String brand() {
    return brand;
  }

  public String model() {
    return model;
  }

  public String soc() {
    return soc;
  }

  public String os() {
    return os;
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("device", brand);
    json.put("arch", model);
    json.put("soc", soc);
    json.put("os", os);
    json.put("totalMem", totalMemBytes);
    json.put("availMem", availMemBytes);
    return json;
  }
}
