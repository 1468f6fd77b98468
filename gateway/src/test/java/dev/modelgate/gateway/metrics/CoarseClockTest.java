package dev.modelgate.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CoarseClockTest {
  @Test
  void wallTimeFollowsTheSystemClockNeverAheadOfIt() {
    long first = CoarseClock.INSTANCE.wallTime();
    assertThat(first).isLessThanOrEqualTo(System.currentTimeMillis());
    // It moves on by itself, tick by tick (bounded: a busy machine may delay a tick, not stop it).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    long later = first;
    while (later == first && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      later = CoarseClock.INSTANCE.wallTime();
    }
    assertThat(later).isGreaterThan(first).isLessThanOrEqualTo(System.currentTimeMillis());
  }

  @Test
  void aTimerOnItKeepsItsCountTotalMaxAndBuckets() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), CoarseClock.INSTANCE);
    Timer timer = Timer.builder("t").serviceLevelObjectives(Duration.ofMillis(25), Duration.ofMillis(50)).register(registry);

    timer.record(20, TimeUnit.MILLISECONDS);
    timer.record(40, TimeUnit.MILLISECONDS);
    timer.record(10, TimeUnit.MILLISECONDS);

    assertThat(timer.count()).isEqualTo(3);
    assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(70.0);
    assertThat(timer.max(TimeUnit.MILLISECONDS)).isEqualTo(40.0);
    assertThat(registry.scrape())
        .contains("t_seconds_bucket{le=\"0.025\"} 2")
        .contains("t_seconds_bucket{le=\"0.05\"} 3")
        .contains("t_seconds_max 0.04");
    registry.close();
  }
}
