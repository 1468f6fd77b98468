package dev.modelgate.gateway.schema;

import java.util.Map;

/** The integer ranges a record checks once databind has read its types. */
final class Ranges {
  static final String WEIGHT = "an integer from 0 to 100";
  static final String REVISION = "an integer from 0 to " + Long.MAX_VALUE;
  static final String SEQ = "an integer from 1 to " + Long.MAX_VALUE;

  private Ranges() {}

  static void check(String key, long value, long min, String expected) {
    if (value < min) {
      throw new SchemaException(key, "number " + value + " (expected: " + expected + ")");
    }
  }

  /** Each weight within 0..100; whether they sum to 100 is the registry rules' to judge. */
  static void weights(Map<String, Integer> weights) {
    weights.forEach((version, weight) -> {
      if (weight < 0 || weight > 100) {
        throw new SchemaException("weights." + version, "number " + weight + " (expected: " + WEIGHT + ")");
      }
    });
  }
}
