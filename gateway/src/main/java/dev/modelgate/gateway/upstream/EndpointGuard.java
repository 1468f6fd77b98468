package dev.modelgate.gateway.upstream;

import dev.modelgate.core.EndpointGate;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The gate of one endpoint: its circuit breaker must admit the request and none of its active health
 * checks may be failing. Called from every event loop: Resilience4j's permission and recording calls
 * are lock-free, and the rest is volatile reads.
 *
 * <p>A connection failure opens the breaker at once: nothing reached the backend, the request is
 * retried elsewhere, and every further attempt would cost up to {@code connect_timeout}. Answers,
 * 5xx and timeouts go through the breaker's failure- and slow-call rates.
 */
public final class EndpointGuard implements EndpointGate {
  private static final Logger LOG = Logger.getLogger(EndpointGuard.class.getName());
  // Resilience4j wants a Throwable per error; one shared instance without a stack trace costs nothing.
  private static final Exception BACKEND_FAILED = new Exception("backend failed", null, false, false) {};
  private static final Exception UNREACHABLE = new Exception("backend unreachable", null, false, false) {};

  private final String url;
  private final Function<String, CircuitBreaker> breakers;
  // Made on the endpoint's first request: a registry of thousands of endpoints, most idle, keeps no
  // breaker window for those. Until then the breaker is closed, as a new one would be.
  private final AtomicReference<CircuitBreaker> breaker = new AtomicReference<>();
  private final long openForNanos;
  private final AtomicReference<State> seen = new AtomicReference<>(State.CLOSED);
  private final AtomicInteger failingChecks = new AtomicInteger();
  private volatile long openedAtNanos;

  EndpointGuard(String url, Function<String, CircuitBreaker> breakers, long openForNanos) {
    this.url = url;
    this.breakers = breakers;
    this.openForNanos = openForNanos;
  }

  private CircuitBreaker breaker() {
    CircuitBreaker made = breaker.get();
    if (made != null) {
      return made;
    }
    made = breakers.apply(url);
    // The first of racing requests wins, so every caller records into one breaker.
    return breaker.compareAndSet(null, made) ? made : breaker.get();
  }

  private State state() {
    CircuitBreaker made = breaker.get();
    return made == null ? State.CLOSED : made.getState();
  }

  @Override
  public boolean admits(long nowNanos) {
    if (failingChecks.get() > 0) {
      return false;
    }
    // Once open_for has passed, an open breaker admits again: the next request becomes a probe.
    return state() != State.OPEN || nowNanos - openedAtNanos >= openForNanos;
  }

  @Override
  public boolean tryAcquire() {
    boolean admitted = failingChecks.get() == 0 && breaker().tryAcquirePermission();
    noteState();
    return admitted;
  }

  @Override
  public void release() {
    breaker().releasePermission();
  }

  @Override
  public void succeeded(long durationNanos) {
    breaker().onSuccess(durationNanos, TimeUnit.NANOSECONDS);
    noteState();
  }

  @Override
  public void failed(long durationNanos) {
    breaker().onError(durationNanos, TimeUnit.NANOSECONDS, BACKEND_FAILED);
    noteState();
  }

  @Override
  public void unreachable() {
    CircuitBreaker made = breaker();
    made.onError(0, TimeUnit.NANOSECONDS, UNREACHABLE);
    made.transitionToOpenState();
    // Open again while open restarts the wait; the state alone would not show it.
    openedAtNanos = System.nanoTime();
    noteState();
  }

  /** 0 closed, 1 half-open, 2 open: the value of {@code modelgate_endpoint_breaker_state}. */
  public int breakerState() {
    State state = state();
    return state == State.OPEN ? 2 : state == State.HALF_OPEN ? 1 : 0;
  }

  /** Whether no active health check of this endpoint is failing. */
  public boolean healthy() {
    return failingChecks.get() == 0;
  }

  /** One of its health checks started failing: no traffic until it passes again. */
  void checkFailed() {
    failingChecks.incrementAndGet();
  }

  /** A failing health check passed again, or stopped. */
  void checkRecovered() {
    failingChecks.decrementAndGet();
  }

  // Transitions happen inside the calls above, on the caller's thread; the compare-and-set makes
  // exactly one caller time the opening and log the change.
  private void noteState() {
    State now = state();
    State before = seen.get();
    if (now != before && seen.compareAndSet(before, now)) {
      if (now == State.OPEN) {
        openedAtNanos = System.nanoTime();
        LOG.warning(() -> "circuit breaker of " + url + " opened (" + before.name().toLowerCase(Locale.ROOT) + " -> open): no traffic for "
            + TimeUnit.NANOSECONDS.toMillis(openForNanos) + " ms, then probes");
      } else {
        LOG.info(() -> "circuit breaker of " + url + ": " + before.name().toLowerCase(Locale.ROOT) + " -> " + now.name().toLowerCase(Locale.ROOT));
      }
    }
  }

  @Override
  public String toString() {
    return url + " [" + state() + (healthy() ? "" : ", failing health check") + "]";
  }
}
