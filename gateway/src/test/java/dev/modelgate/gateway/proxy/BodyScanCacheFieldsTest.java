package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** What the response cache reads from the one body scan: {@code temperature} and {@code n}. */
class BodyScanCacheFieldsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static BodyScan scan(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return BodyScan.scan(bytes, bytes.length, null);
  }

  @Test
  void readsTemperatureZeroInEveryNumberSpelling() {
    for (String zero : new String[] {"0", "0.0", "-0", "0e5", "0.000"}) {
      assertThat(scan("{\"model\":\"m\",\"temperature\":" + zero + "}").temperatureZero).as(zero).isTrue();
    }
    for (String other : new String[] {"0.7", "1", "\"0\"", "null", "[0]", "1e-30"}) {
      assertThat(scan("{\"model\":\"m\",\"temperature\":" + other + "}").temperatureZero).as(other).isFalse();
    }
    assertThat(scan("{\"model\":\"m\"}").temperatureZero).as("absent: the backend's default").isFalse();
  }

  @Test
  void readsNAsAnIntegerOrMarksItUnreadable() {
    assertThat(scan("{\"model\":\"m\"}").choices).isEqualTo(1);
    assertThat(scan("{\"model\":\"m\",\"n\":null}").choices).isEqualTo(1);
    assertThat(scan("{\"model\":\"m\",\"n\":3}").choices).isEqualTo(3);
    assertThat(scan("{\"model\":\"m\",\"n\":1.0}").choices).isEqualTo(-1);
    assertThat(scan("{\"model\":\"m\",\"n\":\"1\"}").choices).isEqualTo(-1);
    BodyScan huge = scan("{\"model\":\"m\",\"n\":123456789012345678901234567890}");
    assertThat(huge.problem).as("a huge n is the backend's to refuse, not a broken body").isNull();
    assertThat(huge.choices).isEqualTo(-1);
  }

  @Test
  void nestedFieldsOfTheSameNameAreNotTheRequests() {
    BodyScan scan = scan("{\"model\":\"m\",\"options\":{\"temperature\":0,\"n\":5},\"temperature\":0.5}");
    assertThat(scan.temperatureZero).isFalse();
    assertThat(scan.choices).isEqualTo(1);
  }

  @Property
  void agreesWithJacksonOnTopLevelTemperatureAndN(@ForAll("temperatures") String temperature, @ForAll("choices") String n) throws Exception {
    String json = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":" + temperature + ",\"model\":\"m\",\"n\":" + n + "}";
    JsonNode tree = JSON.readTree(json);
    BodyScan scan = scan(json);

    assertThat(scan.problem).isNull();
    assertThat(scan.temperatureZero).isEqualTo(tree.get("temperature").isNumber() && tree.get("temperature").doubleValue() == 0);
    JsonNode choices = tree.get("n");
    long expected = choices.isNull() ? 1 : choices.isIntegralNumber() && choices.canConvertToLong() ? choices.longValue() : -1;
    assertThat(scan.choices).isEqualTo(expected);
  }

  @Provide
  Arbitrary<String> temperatures() {
    return Arbitraries.oneOf(Arbitraries.of("0", "0.0", "-0.0", "0e0", "null", "\"0\"", "true"),
        Arbitraries.doubles().between(-2, 2).map(String::valueOf));
  }

  @Provide
  Arbitrary<String> choices() {
    return Arbitraries.oneOf(Arbitraries.of("null", "1.5", "\"2\"", "99999999999999999999"), Arbitraries.longs().map(String::valueOf));
  }
}
