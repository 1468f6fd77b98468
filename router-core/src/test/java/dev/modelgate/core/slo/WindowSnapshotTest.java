package dev.modelgate.core.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WindowSnapshotTest {

  @Test
  void computesTheErrorRateFromTheCounts() {
    assertThat(WindowSnapshot.of(8, 2, Duration.ZERO, Duration.ZERO).errorRate()).isEqualTo(0.25);
    assertThat(WindowSnapshot.EMPTY.errorRate()).isZero();
  }

  @Test
  void rejectsAnErrorRateThatDisagreesWithTheCounts() {
    assertThatThrownBy(() -> new WindowSnapshot(8, 2, 0.5, Duration.ZERO, Duration.ZERO))
        .hasMessage("errorRate: 0.5 (expected: 0.25, failures / requests)");
  }

  @Test
  void rejectsMoreFailuresThanRequests() {
    assertThatThrownBy(() -> WindowSnapshot.of(2, 3, Duration.ZERO, Duration.ZERO))
        .hasMessage("failures: 3 of 2 requests (expected: 0 <= failures <= requests)");
  }

  @Test
  void rejectsAMedianAboveTheP99() {
    assertThatThrownBy(() -> WindowSnapshot.of(2, 0, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("p50: PT2S, p99: PT1S (expected: 0 <= p50 <= p99)");
  }
}
