package dev.modelgate.core.slo;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What one version did within its SLO window, as of one reading of the clock.
 *
 * @param requests requests that finished within the window, failed or not
 * @param failures upstream errors, timeouts and backend 5xx among them; client 4xx are not failures
 * @param errorRate {@code failures / requests}, 0 without requests
 * @param p50 median latency (full response; for streams, time to first token), 0 without requests
 * @param p99 99th percentile latency, 0 without requests
 */
public record WindowSnapshot(long requests, long failures, double errorRate, Duration p50, Duration p99) {

  public static final WindowSnapshot EMPTY = of(0, 0, Duration.ZERO, Duration.ZERO);

  public WindowSnapshot {
    requireNonNull(p50, "p50");
    requireNonNull(p99, "p99");
    if (requests < 0 || failures < 0 || failures > requests) {
      throw new IllegalArgumentException("failures: " + failures + " of " + requests + " requests (expected: 0 <= failures <= requests)");
    }
    if (Double.compare(errorRate, rate(failures, requests)) != 0) {
      throw new IllegalArgumentException("errorRate: " + errorRate + " (expected: " + rate(failures, requests) + ", failures / requests)");
    }
    if (p50.isNegative() || p50.compareTo(p99) > 0) {
      throw new IllegalArgumentException("p50: " + p50 + ", p99: " + p99 + " (expected: 0 <= p50 <= p99)");
    }
  }

  /** A snapshot whose error rate is computed from the counts. */
  public static WindowSnapshot of(long requests, long failures, Duration p50, Duration p99) {
    return new WindowSnapshot(requests, failures, rate(failures, requests), p50, p99);
  }

  private static double rate(long failures, long requests) {
    return requests == 0 ? 0 : (double) failures / requests;
  }
}
