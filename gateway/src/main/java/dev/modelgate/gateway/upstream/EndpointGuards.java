package dev.modelgate.gateway.upstream;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.gateway.config.BreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.util.function.Function;

/** Makes the gate of each endpoint new to a routing table, all from one breaker config. */
public final class EndpointGuards implements Function<String, EndpointGate> {
  private final CircuitBreakerConfig config;
  private final long openForNanos;

  public EndpointGuards(BreakerConfig breaker) {
    requireNonNull(breaker, "breaker");
    boolean counted = breaker.windowTime() == null;
    this.config = CircuitBreakerConfig.custom()
        .failureRateThreshold((float) (breaker.failureRate() * 100))
        .minimumNumberOfCalls(breaker.minCalls())
        .slidingWindowType(counted ? SlidingWindowType.COUNT_BASED : SlidingWindowType.TIME_BASED)
        .slidingWindowSize(counted ? breaker.windowCalls() : (int) breaker.windowTime().toSeconds())
        // Event loops record outcomes concurrently; they must never wait on each other.
        .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
        .slowCallDurationThreshold(breaker.slowCallDuration())
        .slowCallRateThreshold((float) (breaker.slowCallRate() * 100))
        .waitDurationInOpenState(breaker.openFor())
        .permittedNumberOfCallsInHalfOpenState(breaker.halfOpenProbes())
        // Open to half-open happens on the next request after open_for, on its thread: no scheduler thread.
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .writableStackTraceEnabled(false)
        .build();
    this.openForNanos = breaker.openFor().toNanos();
  }

  @Override
  public EndpointGate apply(String url) {
    return new EndpointGuard(url, name -> CircuitBreaker.of(name, config), openForNanos);
  }
}
