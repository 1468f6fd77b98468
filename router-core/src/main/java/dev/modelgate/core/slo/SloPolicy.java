package dev.modelgate.core.slo;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * When a non-stable version of an alias counts as breaching its SLO (docs/configuration.md#slo).
 *
 * @param maxP99Latency full-response latency; for streams, time to first token
 * @param relativeToStable breach only when also this many times worse than stable, or {@code null}
 */
public record SloPolicy(
    Duration window,
    Duration evaluationInterval,
    int minRequests,
    double maxErrorRate,
    Duration maxP99Latency,
    Double relativeToStable,
    int breachesToRevert,
    Duration cooldown) {

  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
  public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofSeconds(5);
  public static final int DEFAULT_MIN_REQUESTS = 50;
  public static final double DEFAULT_MAX_ERROR_RATE = 0.05;
  public static final Duration DEFAULT_MAX_P99_LATENCY = Duration.ofSeconds(2);
  public static final int DEFAULT_BREACHES_TO_REVERT = 2;
  public static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(10);

  public SloPolicy {
    requireNonNull(window, "window");
    requireNonNull(evaluationInterval, "evaluationInterval");
    requireNonNull(maxP99Latency, "maxP99Latency");
    requireNonNull(cooldown, "cooldown");
  }
}
