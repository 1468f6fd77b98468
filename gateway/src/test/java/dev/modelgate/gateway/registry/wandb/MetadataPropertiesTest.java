package dev.modelgate.gateway.registry.wandb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

class MetadataPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every leaf is found under its dotted path, rendered as documented; objects themselves are never keys. */
  @Property(tries = 300)
  void everyLeafReadsUnderItsDottedPath(@ForAll("metadata") Map<String, Object> metadata) throws Exception {
    Map<String, String> expected = new LinkedHashMap<>();
    leaves("", metadata, expected);

    assertThat(Metadata.text(JSON.valueToTree(metadata))).isEqualTo(expected);
  }

  /** Lineage keeps the metadata's values and types exactly. */
  @Property(tries = 300)
  void plainValuesAreTheMetadataItself(@ForAll("metadata") Map<String, Object> metadata) {
    assertThat(Metadata.plain(JSON.valueToTree(metadata))).isEqualTo(metadata);
  }

  private static void leaves(String prefix, Map<String, Object> object, Map<String, String> out) {
    object.forEach((key, value) -> {
      if (value instanceof Map<?, ?> nested) {
        @SuppressWarnings("unchecked")
        Map<String, Object> child = (Map<String, Object>) nested;
        leaves(prefix + key + ".", child, out);
      } else if (value instanceof List<?> list) {
        out.put(prefix + key, list.stream().map(String::valueOf).collect(Collectors.joining(",")));
      } else {
        out.put(prefix + key, String.valueOf(value));
      }
    });
  }

  @Provide
  Arbitrary<Map<String, Object>> metadata() {
    return objects(3);
  }

  // Keys without dots, so each leaf has one path; values as W&B metadata holds them.
  private static Arbitrary<Map<String, Object>> objects(int depth) {
    Arbitrary<Object> scalar = Arbitraries.oneOf(
        Arbitraries.strings().alpha().numeric().withChars(" :/-_").ofMaxLength(12).map(s -> (Object) s),
        Arbitraries.integers().map(i -> (Object) i),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(6).list().ofMaxSize(3).map(l -> (Object) l));
    Arbitrary<Object> value = depth == 0 ? scalar : Arbitraries.frequencyOf(
        Tuple.of(4, scalar), Tuple.of(1, objects(depth - 1).map(m -> (Object) m)));
    return Arbitraries.maps(Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1).ofMaxLength(3), value)
        .ofMaxSize(4)
        .map(LinkedHashMap::new);
  }
}
