package dev.modelgate.gateway.config;

import dev.modelgate.core.Messages;
import dev.modelgate.core.Durations;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One mapping of the config file, read key by key with its dotted path. A wrong value is reported
 * to {@link Problems} and replaced by the default (or a placeholder), so the walk goes on.
 *
 * <p>The keys a section reads are its schema: {@link #finish()} reports every other key as unknown,
 * with the closest known one as a suggestion. So a key is added to the contract in one place, where
 * it is read, and a key nobody reads can never be silently accepted. A null value ({@code port:}
 * with nothing after it) counts as absent, as in most YAML-configured tools.
 */
final class Fields {
  private final String path;
  private final ObjectNode node;
  private final Problems problems;
  // A value that is not a mapping was reported once; its keys are not missing one by one.
  private final boolean misshapen;
  private final Set<String> read = new LinkedHashSet<>();

  private Fields(String path, ObjectNode node, boolean misshapen, Problems problems) {
    this.path = path;
    this.node = node;
    this.misshapen = misshapen;
    this.problems = problems;
  }

  /** The mapping {@code value} at {@code path}; an empty one when absent or not a mapping (reported). */
  static Fields of(JsonNode value, String path, String expected, Problems problems) {
    if (value == null || value.isNull()) {
      return new Fields(path, null, false, problems);
    }
    if (!value.isObject()) {
      problems.add(path, describe(value) + " (expected: " + expected + ")");
      return new Fields(path, null, true, problems);
    }
    return new Fields(path, (ObjectNode) value, false, problems);
  }

  String path() {
    return path;
  }

  String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  Problems problems() {
    return problems;
  }

  /** The value of {@code key}, or {@code null} when absent or null. */
  JsonNode value(String key) {
    read.add(key);
    JsonNode value = node == null ? null : node.get(key);
    return value == null || value.isNull() ? null : value;
  }

  boolean has(String key) {
    return value(key) != null;
  }

  Fields mapping(String key, String expected) {
    return of(value(key), path(key), expected, problems);
  }

  /** Every entry, for mappings whose keys are names (models, versions, aliases, weights). */
  List<Map.Entry<String, JsonNode>> entries() {
    List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
    if (node != null) {
      for (Map.Entry<String, JsonNode> entry : node.properties()) {
        read.add(entry.getKey());
        entries.add(entry);
      }
    }
    return entries;
  }

  String text(String key, String fallback) {
    JsonNode value = value(key);
    return value == null ? fallback : text(value, path(key), fallback);
  }

  /** The text of {@code key}; when missing, reported with {@code expected} and returned as "". */
  String requiredText(String key, String expected) {
    JsonNode value = value(key);
    if (value == null) {
      missing(key, expected);
      return "";
    }
    return text(value, path(key), "");
  }

  void missing(String key, String expected) {
    if (misshapen) {
      return;
    }
    boolean written = node != null && node.has(key);
    problems.add(path(key), (written ? "has no value" : "missing") + " (expected: " + expected + ")");
  }

  /** A list of strings; a wrong item is reported and kept as "" so later items keep their index. */
  List<String> texts(String key, List<String> fallback) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (!value.isArray()) {
      problems.add(path(key), describe(value) + " (expected: a list, e.g. [a, b])");
      return fallback;
    }
    List<String> texts = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      texts.add(text(value.get(i), path(key) + "[" + i + "]", ""));
    }
    return texts;
  }

  /**
   * A list of integers; {@code null} when any item is not one (each reported), so that rules about
   * the list as a whole are not judged on what is left.
   */
  List<Integer> integers(String key, List<Integer> fallback, String expectedItem) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (!value.isArray()) {
      problems.add(path(key), describe(value) + " (expected: a list, e.g. [5, 25, 50, 100])");
      return null;
    }
    List<Integer> integers = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      JsonNode item = value.get(i);
      if (item.isIntegralNumber() && item.canConvertToInt()) {
        integers.add(item.intValue());
      } else {
        problems.add(path(key) + "[" + i + "]", describe(item) + " (expected: " + expectedItem + unquoteHint(item) + ")");
      }
    }
    return integers.size() == value.size() ? integers : null;
  }

  /** The integer at {@code key} if within {@code min..max}, else {@code fallback} (reported). */
  long integer(String key, long min, long max, long fallback, String expected) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= min && value.longValue() <= max) {
      return value.longValue();
    }
    problems.add(path(key), describe(value) + " (expected: " + expected + unquoteHint(value) + ")");
    return fallback;
  }

  boolean flag(String key, boolean fallback) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    boolean quoted = value.isTextual() && (value.textValue().equals("true") || value.textValue().equals("false"));
    problems.add(path(key), describe(value) + " (expected: true or false" + (quoted ? ", without quotes" : "") + ")");
    return fallback;
  }

  Double number(String key, Double fallback) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (value.isNumber()) {
      return value.doubleValue();
    }
    problems.add(path(key), describe(value) + " (expected: a number, e.g. 0.05" + unquoteHint(value) + ")");
    return fallback;
  }

  Duration duration(String key, Duration fallback) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (value.isContainerNode()) {
      problems.add(path(key), describe(value) + " (expected: " + Durations.EXPECTED + ")");
      return fallback;
    }
    try {
      return Durations.parse(value.asText());
    } catch (IllegalArgumentException e) {
      problems.add(path(key), e.getMessage());
      return fallback;
    }
  }

  /** Reports every key of this mapping that was never read: the section does not know it. */
  void finish() {
    if (node == null) {
      return;
    }
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String key = entry.getKey();
      if (!read.contains(key)) {
        problems.add(path(key), "unknown key " + suggestion(key, read));
      }
    }
  }

  private String text(JsonNode value, String at, String fallback) {
    if (value.isTextual()) {
      return value.textValue();
    }
    String hint = value.isValueNode() ? "; quote it to keep it as text" : "";
    problems.add(at, describe(value) + " (expected: a string" + hint + ")");
    return fallback;
  }

  /** A value as a message shows it: text in quotes, numbers as read, containers by kind. */
  static String describe(JsonNode value) {
    if (value.isTextual()) {
      return Messages.quote(value.textValue());
    }
    if (value.isObject()) {
      return "a mapping";
    }
    if (value.isArray()) {
      return "a list";
    }
    String text = value.asText();
    return text.length() > Messages.MAX_QUOTED ? text.substring(0, Messages.MAX_QUOTED) + "…" : text;
  }

  // '8080' in quotes is a string; the message would otherwise read as if 8080 were refused.
  private static String unquoteHint(JsonNode value) {
    if (value.isTextual()) {
      try {
        Double.parseDouble(value.textValue());
        return ", without quotes";
      } catch (NumberFormatException e) {
        return "";
      }
    }
    return "";
  }

  /** "(did you mean 'weights'?)" for a near miss, otherwise the keys this mapping accepts. */
  static String suggestion(String key, Collection<String> known) {
    return Messages.closest(key, known).map(best -> "(did you mean '" + best + "'?)")
        .orElseGet(() -> "(expected one of: " + String.join(", ", known) + ")");
  }
}
