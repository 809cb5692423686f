package org.squeezebertmobile.core.json;

/** Malformed JSON, or a JSON value that does not have the shape a contract requires. */
public final class JsonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JsonException(String message) {
    super(message);
  }
}
