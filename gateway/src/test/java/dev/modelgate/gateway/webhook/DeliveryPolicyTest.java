package dev.modelgate.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeliveryPolicyTest {
  private static final DeliveryPolicy POLICY = DeliveryPolicy.DEFAULT;

  @Test
  void doublesTheWaitFromTheFirstRetryWithItsUpperHalfJittered() {
    assertThat(POLICY.retryDelay(1, 0.0)).isEqualTo(Duration.ofMillis(125));
    assertThat(POLICY.retryDelay(1, 0.5)).isEqualTo(Duration.ofMillis(187).plusNanos(500_000));
    assertThat(POLICY.retryDelay(2, 0.0)).isEqualTo(Duration.ofMillis(250));
    assertThat(POLICY.retryDelay(3, 0.0)).isEqualTo(Duration.ofMillis(500));
    assertThat(POLICY.retryDelay(3, Math.nextDown(1.0))).isLessThan(Duration.ofSeconds(1)).isGreaterThan(Duration.ofMillis(999));
  }

  @Test
  void capsTheWaitAtTheMaximumHoweverManyFailures() {
    assertThat(POLICY.retryDelay(8, 0.0)).isEqualTo(Duration.ofSeconds(15));
    assertThat(POLICY.retryDelay(9, 0.0)).isEqualTo(Duration.ofSeconds(15));
    assertThat(POLICY.retryDelay(Integer.MAX_VALUE, Math.nextDown(1.0))).isLessThan(Duration.ofSeconds(30)).isGreaterThan(Duration.ofSeconds(15));
  }

  @Test
  void refusesSettingsThatCannotWork() {
    assertThatThrownBy(() -> new DeliveryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMinutes(1), 10,
        Duration.ofSeconds(1), Duration.ofSeconds(1))).hasMessage("maxRetry: PT1S (expected: at least firstRetry PT2S)");
    assertThatThrownBy(() -> new DeliveryPolicy(Duration.ZERO, Duration.ofSeconds(1), Duration.ofMinutes(1), 10,
        Duration.ofSeconds(1), Duration.ofSeconds(1))).hasMessage("firstRetry: PT0S (expected: more than zero)");
    assertThatThrownBy(() -> new DeliveryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(1), 0,
        Duration.ofSeconds(1), Duration.ofSeconds(1))).hasMessage("queueCapacity: 0 (expected: at least 1)");
    assertThatThrownBy(() -> POLICY.retryDelay(0, 0.0)).hasMessage("failures: 0 (expected: at least 1)");
  }
}
