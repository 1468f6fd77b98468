package dev.modelgate.gateway.registry.wandb;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A W&B version's metadata, which the server hands over as a JSON string holding an object (the SDK
 * parses it in {@code wandb/sdk/artifacts/_validators.py} {@code validate_metadata}), in the two forms
 * registry sync reads: as text by dotted key for the serving template and the {@code modelgate.*}
 * overrides, and as plain values for lineage.
 *
 * <p>Text: nested objects flatten to dotted keys, so {@code {"modelgate": {"served_model": "x"}}} and
 * {@code {"modelgate.served_model": "x"}} both give {@code modelgate.served_model = x} (a key met twice
 * keeps its first value); strings stay as they are, numbers and booleans are written as JSON writes them,
 * a list of scalars is joined with commas (the form an MLflow tag would hold a list of endpoints in), any
 * other list is its JSON text, and nulls are left out.
 */
final class Metadata {
  private Metadata() {}

  static Map<String, String> text(JsonNode object) {
    Map<String, String> text = new LinkedHashMap<>();
    flatten("", object, text);
    return text;
  }

  /** {@code node} as plain values (string, number, boolean, list, map), with nulls left out as lineage wants. */
  static Object plain(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (!field.getValue().isNull()) {
          map.put(field.getKey(), plain(field.getValue()));
        }
      }
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      for (JsonNode item : node) {
        if (!item.isNull()) {
          list.add(plain(item));
        }
      }
      return list;
    }
    if (node.isNumber()) {
      return node.numberValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.asText();
  }

  private static void flatten(String prefix, JsonNode object, Map<String, String> text) {
    for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      String key = prefix + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject()) {
        flatten(key + ".", value, text);
      } else if (value.isArray()) {
        text.putIfAbsent(key, allScalars(value)
            ? streamOf(value).filter(item -> !item.isNull()).map(JsonNode::asText).collect(Collectors.joining(","))
            : value.toString());
      } else if (!value.isNull()) {
        text.putIfAbsent(key, value.isTextual() ? value.textValue() : value.toString());
      }
    }
  }

  private static boolean allScalars(JsonNode array) {
    return streamOf(array).allMatch(JsonNode::isValueNode);
  }

  private static Stream<JsonNode> streamOf(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false);
  }
}
