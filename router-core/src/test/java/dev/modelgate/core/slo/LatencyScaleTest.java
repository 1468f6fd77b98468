package dev.modelgate.core.slo;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class LatencyScaleTest {
  private static final long TOP = 1L << 40;

  @Property
  void reportsEveryLatencyWithinItsStatedPrecision(@ForAll @LongRange(min = 0, max = TOP - 1) long nanos) {
    long reported = LatencyScale.midpointNanos(LatencyScale.indexOf(nanos));

    assertThat(Math.abs(reported - nanos)).isLessThanOrEqualTo(LatencyScale.precisionNanos(nanos));
  }

  @Property
  void keepsLatenciesInOrder(@ForAll @LongRange(min = 0, max = TOP) long a, @ForAll @LongRange(min = 0, max = TOP) long b) {
    assertThat(LatencyScale.indexOf(Math.min(a, b))).isLessThanOrEqualTo(LatencyScale.indexOf(Math.max(a, b)));
  }

  @Test
  void usesEveryBucketFromZeroToTheTop() {
    assertThat(LatencyScale.indexOf(0)).isZero();
    assertThat(LatencyScale.indexOf(TOP - 1)).isEqualTo(LatencyScale.SIZE - 1);
    for (int index = 1; index < LatencyScale.SIZE; index++) {
      assertThat(LatencyScale.indexOf(LatencyScale.midpointNanos(index))).isEqualTo(index);
      assertThat(LatencyScale.midpointNanos(index)).isGreaterThan(LatencyScale.midpointNanos(index - 1));
    }
  }

  @Test
  void countsNegativeLatenciesAsZeroAndLongOnesAtTheTop() {
    assertThat(LatencyScale.indexOf(-5)).isZero();
    assertThat(LatencyScale.indexOf(TOP)).isEqualTo(LatencyScale.SIZE - 1);
    assertThat(LatencyScale.indexOf(Long.MAX_VALUE)).isEqualTo(LatencyScale.SIZE - 1);
  }
}
