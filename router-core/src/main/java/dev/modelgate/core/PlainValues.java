package dev.modelgate.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep, immutable copies of free-form plain values: a version's lineage and an event's evidence.
 * Only what every ledger store can write back is accepted (string, number, boolean, null, list and
 * map with string keys), so a change that was appended can always be replayed. Parsing is the
 * gateway's; this only keeps what was parsed from changing afterwards.
 */
public final class PlainValues {
  private PlainValues() {}

  /**
   * An unmodifiable copy of {@code map}, its nested lists and maps copied too.
   *
   * @throws IllegalArgumentException naming the path below {@code path} of a value that is not plain
   */
  public static Map<String, Object> copyObject(Map<String, ?> map, String path) {
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : map.entrySet()) {
      if (e.getKey() == null) {
        throw new IllegalArgumentException(path + ": has a null key");
      }
      copy.put(e.getKey(), copy(e.getValue(), path + "." + e.getKey()));
    }
    return Collections.unmodifiableMap(copy);
  }

  private static Object copy(Object value, String path) {
    if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException(path + ": has a key that is not a string: " + e.getKey());
        }
        copy.put(key, copy(e.getValue(), path + "." + key));
      }
      return Collections.unmodifiableMap(copy);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        copy.add(copy(list.get(i), path + "[" + i + "]"));
      }
      return Collections.unmodifiableList(copy);
    }
    throw new IllegalArgumentException(path + ": a " + value.getClass().getName()
        + " is not a JSON value (expected: string, number, boolean, null, list or map)");
  }
}
