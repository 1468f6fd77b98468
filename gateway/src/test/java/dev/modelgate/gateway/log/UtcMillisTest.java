package dev.modelgate.gateway.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class UtcMillisTest {
  private final UtcMillis format = new UtcMillis();

  @Property(tries = 2000)
  void namesTheSameInstantToTheMillisecond(@ForAll @LongRange(min = 0, max = 4_102_444_800_000L) long epochMillis) {
    String text = format.format(epochMillis).toString();

    assertThat(text).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    assertThat(Instant.parse(text)).isEqualTo(Instant.ofEpochMilli(epochMillis));
  }
}
