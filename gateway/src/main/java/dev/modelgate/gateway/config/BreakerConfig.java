package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The {@code server.circuit_breaker} section: when an endpoint stops getting traffic (passive outlier
 * ejection), applied to every endpoint alike.
 *
 * @param failureRate share of failed calls in the window (0 to 1) that opens the breaker
 * @param minCalls calls the window must hold before a rate is judged
 * @param windowCalls the window as a number of recent calls, or 0 when {@code windowTime} is used
 * @param windowTime the window as recent time (whole seconds), or {@code null} when counted in calls
 * @param slowCallDuration a call slower than this counts as slow (full response; streams: first byte)
 * @param slowCallRate share of slow calls (0 to 1) that opens the breaker
 * @param openFor how long an open breaker keeps the endpoint out before probing it
 * @param halfOpenProbes calls let through to probe an endpoint; they decide whether it closes again
 */
public record BreakerConfig(
    double failureRate,
    int minCalls,
    int windowCalls,
    Duration windowTime,
    Duration slowCallDuration,
    double slowCallRate,
    Duration openFor,
    int halfOpenProbes) {

  public static final double DEFAULT_FAILURE_RATE = 0.5;
  public static final int DEFAULT_MIN_CALLS = 10;
  public static final int DEFAULT_WINDOW_CALLS = 20;
  public static final Duration DEFAULT_SLOW_CALL_DURATION = Duration.ofSeconds(60);
  public static final double DEFAULT_SLOW_CALL_RATE = 1.0;
  public static final Duration DEFAULT_OPEN_FOR = Duration.ofSeconds(10);
  public static final int DEFAULT_HALF_OPEN_PROBES = 3;

  public BreakerConfig {
    requireNonNull(slowCallDuration, "slowCallDuration");
    requireNonNull(openFor, "openFor");
    if ((windowCalls > 0) == (windowTime != null)) {
      throw new IllegalArgumentException("exactly one of windowCalls and windowTime");
    }
  }

  /** 50 % failures over the last 20 calls (at least 10), every call slower than 60s, open for 10s, 3 probes. */
  public static BreakerConfig defaults() {
    return new BreakerConfig(DEFAULT_FAILURE_RATE, DEFAULT_MIN_CALLS, DEFAULT_WINDOW_CALLS, null, DEFAULT_SLOW_CALL_DURATION,
        DEFAULT_SLOW_CALL_RATE, DEFAULT_OPEN_FOR, DEFAULT_HALF_OPEN_PROBES);
  }
}
