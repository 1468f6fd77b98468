package dev.modelgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} is {1} ns")
  @CsvSource({
    "250ms, 250000000",
    "5s, 5000000000",
    "10m, 600000000000",
    "1h, 3600000000000",
    "0, 0",
    "0s, 0",
    "0ms, 0",
    "1.5s, 1500000000",
    "0.5m, 30000000000",
    "1.25h, 4500000000000",
    "0.5ms, 500000",
    "0.000001ms, 1",
    "1h30m, 5400000000000",
    "2s500ms, 2500000000",
    "1h1m1s1ms, 3661001000000",
    "007s, 7000000000",
    "2562047h, 9223369200000000000",
  })
  void parsesNumberAndUnit(String text, long nanos) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest(name = "''{0}'' is not a duration")
  @ValueSource(strings = {
    "", "5", "s", "ms", "5 s", " 5s", "5s ", "-5s", "+5s", "5S", "5sec", "5us", "5d", "1.s", ".5s",
    "5.", "1e3ms", "5s5", "abc", "5m5m", "30m1h", "5ms5s", "1,5s", "0x10s", "٥s", "5s\n",
  })
  void rejectsAnythingElse(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'")
        .hasMessageContaining("(expected: ");
  }

  @ParameterizedTest(name = "''{0}'' → {1}")
  @CsvSource(delimiter = '|', value = {
    "abc          | 'abc' is not a duration (expected: a number and a unit (ms, s, m or h), e.g. 250ms, 5s, 1.5m or 1h30m)",
    "30m1h        | '30m1h' is not a duration (expected: each unit once, from the largest to the smallest, e.g. 1h30m)",
    "2562048h     | '2562048h' is too long (expected: at most 2562047h)",
    "0.0000001ms  | '0.0000001ms' is finer than a nanosecond (expected: a number and a unit (ms, s, m or h), e.g. 250ms, 5s, 1.5m or 1h30m)",
  })
  void namesTheExpectedForm(String text, String message) {
    assertThatThrownBy(() -> Durations.parse(text)).hasMessage(message);
  }

  @ParameterizedTest(name = "{0} ns → {1}")
  @CsvSource({
    "0, 0s",
    "5000000000, 5s",
    "250000000, 250ms",
    "600000000000, 10m",
    "3600000000000, 1h",
    "5400000000000, 90m",
    "90000000000, 90s",
    "1500000000, 1500ms",
    "1500, 0.0015ms",
    "1, 0.000001ms",
    "-5000000000, -5s",
  })
  void formatsInTheLargestWholeUnit(long nanos, String text) {
    assertThat(Durations.format(Duration.ofNanos(nanos))).isEqualTo(text);
  }

  @Property(tries = 2000, seed = "20260317")
  void formatThenParseGivesTheSameDuration(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long nanos) {
    Duration duration = Duration.ofNanos(nanos);
    assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
  }

  @Property(tries = 500, seed = "20260317")
  void roundMillisecondsFormatWithoutAFraction(@ForAll @LongRange(min = 0, max = 1_000_000_000L) long millis) {
    assertThat(Durations.format(Duration.ofMillis(millis))).doesNotContain(".");
  }
}
