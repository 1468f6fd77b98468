package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reading the fields all inference requests share. Prompt tokens are estimated as words (runs of
 * non-whitespace) in the text, or as the length of a token-id array: deterministic, so tests can
 * assert usage, and close enough to a tokenizer for the gateway's accounting.
 */
final class Requests {
  private Requests() {}

  /** The request's {@code model}, echoed as vLLM does; a request without one gets the default. */
  static String model(JsonNode body, String fallback) {
    JsonNode model = body.get("model");
    return model != null && model.isTextual() && !model.asText().isEmpty()
        ? model.asText()
        : fallback;
  }

  static boolean stream(JsonNode body) {
    JsonNode stream = body.get("stream");
    return stream != null && stream.isBoolean() && stream.booleanValue();
  }

  static boolean includeUsage(JsonNode body) {
    JsonNode include = body.path("stream_options").path("include_usage");
    return include.isBoolean() && include.booleanValue();
  }

  /** A positive integer limit such as {@code max_tokens}; 0 when absent or null. */
  static int limit(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return 0;
    }
    if (!value.canConvertToExactIntegral() || !value.canConvertToInt() || value.asInt() < 1) {
      throw ApiError.invalid(
          field, "'" + field + "' must be an integer of at least 1, got " + value);
    }
    return value.asInt();
  }

  /** Only one choice per request is simulated; more is refused rather than silently ignored. */
  static void checkSingleChoice(JsonNode body) {
    JsonNode n = body.get("n");
    if (n != null && !n.isNull() && !(n.canConvertToExactIntegral() && n.asInt() == 1)) {
      throw ApiError.invalid(
          "n", "the simulator answers one choice only ('n' must be 1), got " + n);
    }
  }

  /**
   * Words in a message's {@code content}: a string, or an array of parts whose {@code text} fields
   * count (images and audio count nothing).
   */
  static int contentWords(JsonNode content) {
    if (content == null) {
      return 0;
    }
    if (content.isTextual()) {
      return words(content.asText());
    }
    int words = 0;
    if (content.isArray()) {
      for (JsonNode part : content) {
        JsonNode text = part.get("text");
        if (text != null && text.isTextual()) {
          words += words(text.asText());
        }
      }
    }
    return words;
  }

  static int words(String text) {
    int words = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      boolean space = Character.isWhitespace(text.charAt(i));
      if (!space && !inWord) {
        words++;
      }
      inWord = !space;
    }
    return words;
  }

  /** A token-id array such as {@code [1, 2, 3]}, which OpenAI accepts in place of text. */
  static boolean isTokenArray(JsonNode node) {
    if (!node.isArray() || node.isEmpty()) {
      return false;
    }
    for (JsonNode element : node) {
      if (!element.canConvertToExactIntegral()) {
        return false;
      }
    }
    return true;
  }
}
