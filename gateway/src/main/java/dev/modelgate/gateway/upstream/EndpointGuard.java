package dev.modelgate.gateway.upstream;

import dev.modelgate.core.EndpointGate;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gate of one endpoint: its circuit breaker must admit the request and none of its active health
 * checks may be failing. Called from every event loop: the breaker is lock-free and allocates nothing
 * per call, and the rest is volatile reads.
 *
 * <p>A connection failure opens the breaker at once: nothing reached the backend, the request is
 * retried elsewhere, and every further attempt would cost up to {@code connect_timeout}. Answers,
 * 5xx and timeouts go through the breaker's failure- and slow-call rates.
 */
public final class EndpointGuard implements EndpointGate {
  private final String url;
  private final Breaker breaker;
  private final AtomicInteger failingChecks = new AtomicInteger();

  EndpointGuard(String url, Breaker.Rules rules) {
    this.url = url;
    this.breaker = new Breaker(url, rules);
  }

  @Override
  public boolean admits(long nowNanos) {
    return failingChecks.get() == 0 && breaker.admits(nowNanos);
  }

  @Override
  public boolean tryAcquire() {
    return failingChecks.get() == 0 && breaker.tryAcquire(System.nanoTime());
  }

  @Override
  public void release() {
    breaker.release();
  }

  @Override
  public void succeeded(long durationNanos) {
    breaker.record(System.nanoTime(), durationNanos, false);
  }

  @Override
  public void failed(long durationNanos) {
    breaker.record(System.nanoTime(), durationNanos, true);
  }

  @Override
  public void unreachable() {
    breaker.forceOpen(System.nanoTime());
  }

  /** 0 closed, 1 half-open, 2 open: the value of {@code modelgate_endpoint_breaker_state}. */
  public int breakerState() {
    return breaker.state();
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

  @Override
  public String toString() {
    return url + " [" + breaker + (healthy() ? "" : ", failing health check") + "]";
  }
}
