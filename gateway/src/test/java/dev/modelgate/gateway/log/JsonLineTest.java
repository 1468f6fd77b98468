package dev.modelgate.gateway.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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

  @Property(tries = 500)
  void aConstantIsWrittenByteForByteAsAStringIsAlsoFromTheCache(@ForAll List<@From("text") String> values) throws Exception {
    // One line object for all: values are cached (and evict each other) from one to the next.
    JsonLine cached = new JsonLine();
    for (int round = 0; round < 2; round++) {
      for (String value : values) {
        assertThat(encode(cached.begin().constant("k", value).constant(value, "v")))
            .isEqualTo(encode(new JsonLine().begin().string("k", value).string(value, "v")));
      }
    }
  }

  @Provide
  Arbitrary<String> text() {
    // Few distinct values, so that many repeat; every kind of char, control and surrogate included;
    // "Aa" and "BB" share a hash, as do their concatenations.
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(300),
        Arbitraries.of("Aa", "BB", "AaAa", "BBBB", "AaBB", "bench-model", "v1", "é\u0000\"\\", "\ud83d\ude00", "\ud83d"),
        Arbitraries.strings().withChars("ab\"\\\n\u0001\u00e9\u20ac\ud83d\ude00").ofMaxLength(4));
  }

  @Test
  void aConstantLongerThanTheCacheTakesIsWrittenTheSame() throws Exception {
    String text = "é\"".repeat(200);
    assertThat(encode(new JsonLine().begin().constant("k", text).constant("n", null)))
        .isEqualTo(encode(new JsonLine().begin().string("k", text).string("n", null)));
  }

  @Property(tries = 1000)
  void thousandthsReadBackAsTheSameDecimal(@ForAll @LongRange(min = -10_000_000_000L, max = 10_000_000_000L) long thousandths) throws Exception {
    JsonNode read = JSON.readTree(encode(new JsonLine().begin().thousandths("ms", thousandths)));

    assertThat(read.path("ms").decimalValue()).isEqualByComparingTo(java.math.BigDecimal.valueOf(thousandths, 3));
  }

  @Property(tries = 2000)
  void utcMillisNamesTheSameInstantToTheMillisecond(@ForAll @LongRange(min = 0, max = 4_102_444_800_000L) long epochMillis) throws Exception {
    JsonLine line = new JsonLine();
    // Twice: the second made on the first call is reused on the second.
    encode(line.begin().utcMillis("t", epochMillis - 1));
    String text = JSON.readTree(encode(line.begin().utcMillis("t", epochMillis))).path("t").asText();

    assertThat(text).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    assertThat(Instant.parse(text)).isEqualTo(Instant.ofEpochMilli(epochMillis));
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
