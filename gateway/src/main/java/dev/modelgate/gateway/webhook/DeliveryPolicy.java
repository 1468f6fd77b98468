package dev.modelgate.gateway.webhook;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How hard webhooks try. After a failed attempt the wait is {@code firstRetry} doubled per earlier
 * failure, capped at {@code maxRetry}, with its upper half random ("equal jitter"): the wait still
 * grows, but gateways that lost the same receiver do not all come back to it at once. An event is
 * retried until {@code giveUpAfter} has passed since it was recorded, then dropped with a log line.
 *
 * @param queueCapacity events one URL may hold in memory, in flight or waiting; more are dropped with a log line (a
 *     fleet's queue is the ledger, and drops nothing)
 * @param connectTimeout for one attempt's TCP (and TLS) connection
 * @param requestTimeout for one attempt: the longest silence from the receiver before it fails
 */
public record DeliveryPolicy(Duration firstRetry, Duration maxRetry, Duration giveUpAfter, int queueCapacity,
    Duration connectTimeout, Duration requestTimeout) {

  /** 250 ms doubling to 30 s, for up to 10 minutes; 10,000 events per URL; 5 s to connect, 10 s to answer. */
  public static final DeliveryPolicy DEFAULT = new DeliveryPolicy(Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofMinutes(10),
      10_000, Duration.ofSeconds(5), Duration.ofSeconds(10));

  public DeliveryPolicy {
    positive(firstRetry, "firstRetry");
    positive(maxRetry, "maxRetry");
    positive(giveUpAfter, "giveUpAfter");
    positive(connectTimeout, "connectTimeout");
    positive(requestTimeout, "requestTimeout");
    if (maxRetry.compareTo(firstRetry) < 0) {
      throw new IllegalArgumentException("maxRetry: " + maxRetry + " (expected: at least firstRetry " + firstRetry + ")");
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: at least 1)");
    }
  }

  private static void positive(Duration duration, String name) {
    requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + ": " + duration + " (expected: more than zero)");
    }
  }

  /**
   * The wait after the {@code failures}-th failed attempt of one event.
   *
   * @param random a uniform draw from [0, 1) that places the wait in the upper half of its step
   */
  public Duration retryDelay(int failures, double random) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures: " + failures + " (expected: at least 1)");
    }
    long cap = maxRetry.toNanos();
    long step = firstRetry.toNanos();
    // Doubling until the cap, rather than shifting, cannot overflow however many failures there were.
    for (int i = 1; i < failures && step < cap; i++) {
      step *= 2;
    }
    step = Math.min(step, cap);
    long half = step / 2;
    return Duration.ofNanos(step - half + (long) (random * half));
  }
}
