package dev.modelgate.gateway.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class JsonLineTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String encode(JsonLine line) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    line.writeTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Property(tries = 2000)
  void anyTextReadsBackAsItWasWritten(@ForAll String name, @ForAll String value) throws Exception {
    // Lone surrogates are not text; they are written as '?'.
    String expected = value.codePoints().mapToObj(cp -> Character.isSurrogate((char) cp) && cp < 0x10000 ? "?" : Character.toString(cp))
        .reduce("", String::concat);
    String expectedName = name.codePoints().mapToObj(cp -> Character.isSurrogate((char) cp) && cp < 0x10000 ? "?" : Character.toString(cp))
        .reduce("", String::concat);
    String line = encode(new JsonLine().begin().string("k", value).string("n", name));

    assertThat(line).endsWith("}\n").doesNotContain("\r").hasLineCount(1);
    JsonNode read = JSON.readTree(line);
    assertThat(read.path("k").asText()).isEqualTo(expected);
    assertThat(read.path("n").asText()).isEqualTo(expectedName);
  }

  @Property(tries = 1000)
  void thousandthsReadBackAsTheSameDecimal(@ForAll @LongRange(min = -10_000_000_000L, max = 10_000_000_000L) long thousandths) throws Exception {
    JsonNode read = JSON.readTree(encode(new JsonLine().begin().thousandths("ms", thousandths)));

    assertThat(read.path("ms").decimalValue()).isEqualByComparingTo(java.math.BigDecimal.valueOf(thousandths, 3));
  }

  @Test
  void writesNullsNumbersAndGrowsPastItsFirstBuffer() throws Exception {
    String big = "x".repeat(5000);
    JsonNode read = JSON.readTree(encode(new JsonLine().begin().string("a", null).number("b", (Long) null).number("c", 42L).string("d", big)));

    assertThat(read.get("a").isNull()).isTrue();
    assertThat(read.get("b").isNull()).isTrue();
    assertThat(read.path("c").asLong()).isEqualTo(42);
    assertThat(read.path("d").asText()).isEqualTo(big);
  }
}
