package dev.modelgate.core.slo;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counts behind a {@link WindowSnapshot}: failures and the latency histogram, whose counters add
 * up to the requests. Unlike a snapshot, figures can be summed exactly — the replicas of a fleet each
 * publish theirs and the leader adds them up — because a percentile of the sum is read from the
 * summed histogram, never averaged from the parts' percentiles (p99s cannot be added).
 *
 * <p>Latency counters are indexed by {@link LatencyScale} buckets; {@link #latencyCounts()} lists
 * the non-empty ones only, the form in which a replica publishes them.
 */
public final class WindowFigures {
  public static final WindowFigures EMPTY = new WindowFigures(new long[LatencyScale.SIZE], 0, 0);

  private final long[] latencies;
  private final long requests;
  private final long failures;

  private WindowFigures(long[] latencies, long requests, long failures) {
    this.latencies = latencies;
    this.requests = requests;
    this.failures = failures;
  }

  /** Figures from a histogram this package filled and no longer touches. */
  static WindowFigures adopt(long[] latencies, long failures) {
    long requests = 0;
    for (long count : latencies) {
      requests += count;
    }
    return new WindowFigures(latencies, requests, failures);
  }

  /**
   * Figures from their published form.
   *
   * @param latencyCounts latency bucket index → requests in it; absent buckets are empty
   * @throws IllegalArgumentException naming the bucket or count that cannot be
   */
  public static WindowFigures of(Map<Integer, Long> latencyCounts, long failures) {
    requireNonNull(latencyCounts, "latencyCounts");
    long[] latencies = new long[LatencyScale.SIZE];
    for (Map.Entry<Integer, Long> bucket : latencyCounts.entrySet()) {
      int index = bucket.getKey();
      long count = bucket.getValue();
      if (index < 0 || index >= LatencyScale.SIZE) {
        throw new IllegalArgumentException("latency bucket " + index + " (expected: 0 to " + (LatencyScale.SIZE - 1) + ")");
      }
      if (count < 0) {
        throw new IllegalArgumentException("latency bucket " + index + ": " + count + " (expected: 0 or more requests)");
      }
      latencies[index] = count;
    }
    WindowFigures figures = adopt(latencies, failures);
    if (failures < 0 || failures > figures.requests) {
      throw new IllegalArgumentException("failures: " + failures + " of " + figures.requests + " requests (expected: 0 <= failures <= requests)");
    }
    return figures;
  }

  public long requests() {
    return requests;
  }

  public long failures() {
    return failures;
  }

  /** The non-empty latency buckets, index → requests, in index order. */
  public Map<Integer, Long> latencyCounts() {
    Map<Integer, Long> counts = new TreeMap<>();
    for (int i = 0; i < latencies.length; i++) {
      if (latencies[i] != 0) {
        counts.put(i, latencies[i]);
      }
    }
    return Collections.unmodifiableMap(counts);
  }

  /** These figures and {@code other} together, as one window that had counted both would show them. */
  public WindowFigures plus(WindowFigures other) {
    requireNonNull(other, "other");
    long[] sum = latencies.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.latencies[i];
    }
    return new WindowFigures(sum, requests + other.requests, failures + other.failures);
  }

  /** What these figures add up to: counts, error rate and percentiles. */
  public WindowSnapshot snapshot() {
    return WindowSnapshot.of(requests, failures, percentile(50), percentile(99));
  }

  /** The nearest-rank percentile: the latency at rank ⌈n · percent / 100⌉. */
  private Duration percentile(int percent) {
    if (requests == 0) {
      return Duration.ZERO;
    }
    long rank = (requests * percent + 99) / 100;
    long seen = 0;
    int index = 0;
    while (true) {
      seen += latencies[index];
      if (seen >= rank) {
        return Duration.ofNanos(LatencyScale.midpointNanos(index));
      }
      index++;
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof WindowFigures figures && failures == figures.failures && Arrays.equals(latencies, figures.latencies);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(latencies) + Long.hashCode(failures);
  }

  @Override
  public String toString() {
    return "WindowFigures[requests=" + requests + ", failures=" + failures + ", latencies=" + latencyCounts() + "]";
  }
}
