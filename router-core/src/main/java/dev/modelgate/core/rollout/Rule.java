package dev.modelgate.core.rollout;

/** The SLO rules a version can breach (docs/configuration.md#slo). */
public enum Rule {
  /** Error rate over {@code max_error_rate}, and over {@code relative_to_stable} × stable's. */
  ERROR_RATE,
  /** p99 latency over {@code max_p99_latency}, and over {@code relative_to_stable} × stable's. */
  P99_LATENCY
}
