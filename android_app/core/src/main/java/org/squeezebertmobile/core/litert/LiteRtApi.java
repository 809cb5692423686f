package org.squeezebertmobile.core.litert;

/**
 * Which LiteRT Android API runs a {@code .tflite}: {@code CompiledModel} by default, because only
 * its {@code CpuOptions} reach XNNPACK's weight cache (one packed copy of the weights for all the
 * file's signatures, as the Python verification runs it); {@code Interpreter} stays selectable
 * with {@code --es litert_api interpreter} so both can be benchmarked on one phone.
 */
public enum LiteRtApi {
  COMPILED_MODEL("compiled", "CompiledModel"),
  INTERPRETER("interpreter", "Interpreter");

  /** The intent extra that chooses the API ({@code --es litert_api compiled|interpreter}). */
  public static final String EXTRA = "litert_api";

  public static final LiteRtApi DEFAULT = COMPILED_MODEL;

  private final String extraValue;
  private final String apiName;

  LiteRtApi(String extraValue, String apiName) {
    this.extraValue = extraValue;
    this.apiName = apiName;
  }

  /** The value of {@link #EXTRA} that selects this API. */
  public String extraValue() {
    return extraValue;
  }

  /** LiteRT's class name, as recorded with every benchmark entry ({@code runtimeApi}). */
  public String apiName() {
    return apiName;
  }

  /** The API an extra names; null or empty (extra absent) is {@link #DEFAULT}. */
  public static LiteRtApi parse(String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT;
    }
    for (LiteRtApi api : values()) {
      if (api.extraValue.equals(value)) {
        return api;
      }
    }
    throw new IllegalArgumentException(
        EXTRA + " must be compiled or interpreter (--es " + EXTRA + " compiled), got \""
            + value + "\"");
  }
}
