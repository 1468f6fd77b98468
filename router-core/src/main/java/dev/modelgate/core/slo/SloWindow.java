package dev.modelgate.core.slo;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Requests, failures and latencies of one version over a sliding window, recorded from any thread
 * without locks or allocation, read as an immutable {@link WindowSnapshot}.
 *
 * <p>The window is a ring of buckets, each {@code window / buckets} long (rounded up to a whole
 * nanosecond). A bucket belongs to one interval of the ticker's time; a record lands in the bucket
 * of its interval, and a snapshot reads the current bucket and the ones before it, so a record
 * counts for at least {@code window - window / buckets} and less than {@code window} after it was
 * made. The first record of a new interval resets the bucket the interval reuses.
 *
 * <p>Latencies go into fixed log-linear counters ({@link LatencyScale}: 640 per bucket, within
 * 1.6 % of the recorded value) rather than HdrHistogram. An {@code AtomicHistogram} per bucket
 * would also record lock-free, but at two significant digits, the precision nearest ours, it is
 * five times larger (a window per version adds up), and resetting it under concurrent recording can
 * leave its total count out of step with its counters, which its percentile walk trusts. With our own counters the request count is the sum of the
 * latency counters, so a snapshot's percentiles always agree with its count.
 *
 * <p>Races, and what they cost:
 * <ul>
 *   <li>Whoever claims a used bucket for a new interval marks it as being cleared, zeroes it,
 *       then stamps the new interval. Records that arrive meanwhile, or that read a time older
 *       than the bucket's interval, are dropped rather than wait: a few lost counts at a bucket
 *       edge, and never a thread stuck behind a descheduled one.
 *   <li>A thread that finds its interval stamped and then stalls for most of a window before
 *       counting counts into the interval that replaced it. Nothing is ever decremented, so counts
 *       cannot go negative.
 *   <li>Failures are counted apart from latencies, so a snapshot racing a record, or a reset
 *       racing a record, may see a failure without its request; a snapshot caps each bucket's
 *       failures at its requests. A snapshot skips a bucket whose stamp changes while it is read.
 * </ul>
 */
public final class SloWindow {
  /** The stamp of a bucket not used yet: older than any interval. */
  private static final long UNUSED = Long.MIN_VALUE;
  /** The stamp of a bucket being cleared: newer than any interval, so records and snapshots skip it. */
  private static final long CLEARING = Long.MAX_VALUE;
  private static final int FAILURES = LatencyScale.SIZE;
  private static final int STRIDE = LatencyScale.SIZE + 1;

  private final Ticker ticker;
  private final int buckets;
  private final long bucketNanos;
  /** The interval ({@code nanos / bucketNanos}) each bucket holds. */
  private final AtomicLongArray stamps;
  /** Per bucket: {@link LatencyScale#SIZE} latency counters, then the failure count. */
  private final AtomicLongArray counts;

  /**
   * @param buckets how finely the window slides; {@code window / evaluation_interval} moves it by
   *     one bucket per evaluation
   */
  public SloWindow(Duration window, int buckets, Ticker ticker) {
    requireNonNull(window, "window");
    this.ticker = requireNonNull(ticker, "ticker");
    if (buckets < 1 || window.isNegative() || window.toNanos() < buckets) {
      throw new IllegalArgumentException(
          "window: " + window + ", buckets: " + buckets + " (expected: 1 or more buckets of at least 1ns each)");
    }
    this.buckets = buckets;
    this.bucketNanos = -Math.floorDiv(-window.toNanos(), buckets);
    this.stamps = new AtomicLongArray(buckets);
    for (int i = 0; i < buckets; i++) {
      stamps.set(i, UNUSED);
    }
    this.counts = new AtomicLongArray(buckets * STRIDE);
  }

  /**
   * Counts one finished request. Safe from any thread; allocates nothing.
   *
   * @param latencyNanos full-response latency; for streams, time to first token
   * @param failed an upstream error, a timeout or a backend 5xx; never a client 4xx
   */
  public void record(long latencyNanos, boolean failed) {
    long interval = Math.floorDiv(ticker.nanos(), bucketNanos);
    int bucket = (int) Math.floorMod(interval, buckets);
    if (!claim(bucket, interval)) {
      return;
    }
    int base = bucket * STRIDE;
    counts.getAndIncrement(base + LatencyScale.indexOf(latencyNanos));
    if (failed) {
      counts.getAndIncrement(base + FAILURES);
    }
  }

  /** Whether {@code bucket} now holds {@code interval}, clearing it first if it held an older one. */
  private boolean claim(int bucket, long interval) {
    while (true) {
      long stamp = stamps.get(bucket);
      if (stamp == interval) {
        return true;
      }
      if (stamp > interval) {
        return false;
      }
      if (stamp == UNUSED) {
        if (stamps.compareAndSet(bucket, UNUSED, interval)) {
          return true;
        }
      } else if (stamps.compareAndSet(bucket, stamp, CLEARING)) {
        int base = bucket * STRIDE;
        for (int i = 0; i < STRIDE; i++) {
          counts.set(base + i, 0);
        }
        stamps.set(bucket, interval);
        return true;
      }
    }
  }

  /** The window as of now. */
  public WindowSnapshot snapshot() {
    return figures().snapshot();
  }

  /** The counts behind {@link #snapshot()}, which figures of other windows can be added to. */
  public WindowFigures figures() {
    long current = Math.floorDiv(ticker.nanos(), bucketNanos);
    long[] latencies = new long[LatencyScale.SIZE];
    long[] read = new long[LatencyScale.SIZE];
    long failures = 0;
    for (int bucket = 0; bucket < buckets; bucket++) {
      long stamp = stamps.get(bucket);
      if (stamp > current || stamp <= current - buckets) {
        continue;
      }
      int base = bucket * STRIDE;
      long bucketRequests = 0;
      for (int i = 0; i < LatencyScale.SIZE; i++) {
        read[i] = counts.get(base + i);
        bucketRequests += read[i];
      }
      long bucketFailures = Math.min(counts.get(base + FAILURES), bucketRequests);
      if (stamps.get(bucket) != stamp) {
        continue;
      }
      for (int i = 0; i < LatencyScale.SIZE; i++) {
        latencies[i] += read[i];
      }
      failures += bucketFailures;
    }
    return WindowFigures.adopt(latencies, failures);
  }
}
