package dev.modelgate.gateway.upstream;

import dev.modelgate.gateway.config.BreakerConfig;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * One endpoint's circuit breaker, called from every event loop: no locks, and no allocation per
 * call (Resilience4j's lock-free window made a node and a snapshot for each, ~460 B per request).
 *
 * <p>Closed, it judges its {@link CallWindow} after every outcome: once the window holds
 * {@code min_calls}, a failure or slow-call rate at or above its threshold opens it. Open, it admits
 * nothing for {@code open_for}; the first request after that turns it half-open and is a probe. Half
 * open, it lets {@code half_open_probes} requests through and judges them alike: it closes again
 * when they are below both thresholds, and opens again otherwise. A connection failure opens it at
 * once, or restarts the wait of an open one.
 *
 * <p>Each stretch in one state is a {@link Period}, replaced whole by compare-and-set; a verdict
 * reached on a period that is no longer current changes nothing, so exactly one caller makes each
 * transition (and logs it). Objects are made only at transitions. An outcome counts in the period
 * current when it is recorded, as Resilience4j did.
 */
final class Breaker {
  static final int CLOSED = 0;
  static final int HALF_OPEN = 1;
  static final int OPEN = 2;
  private static final Logger LOG = Logger.getLogger(Breaker.class.getName());
  private static final String[] NAMES = {"closed", "half_open", "open"};

  /**
   * The settings of every breaker, from {@code server.circuit_breaker}. Rates are parts per million,
   * compared in integers: 0.3 of 10 calls is 3, exactly.
   */
  record Rules(long failurePerMillion, long slowPerMillion, long slowNanos, int minCalls, int windowCalls, int windowSeconds,
      long openForNanos, int probes) {
    static Rules of(BreakerConfig config) {
      return new Rules(Math.round(config.failureRate() * 1_000_000), Math.round(config.slowCallRate() * 1_000_000),
          config.slowCallDuration().toNanos(), config.minCalls(), config.windowCalls(),
          config.windowTime() == null ? 0 : (int) config.windowTime().toSeconds(), config.openFor().toNanos(), config.halfOpenProbes());
    }

    CallWindow closedWindow() {
      return windowCalls > 0 ? new CallWindow.Counted(windowCalls) : new CallWindow.Timed(windowSeconds);
    }

    // A window counting calls is judged once it could hold min_calls.
    int closedMinCalls() {
      return windowCalls > 0 ? Math.min(minCalls, windowCalls) : minCalls;
    }
  }

  /** One stretch in one state: immutable but for its window and probe counter. */
  private static final class Period {
    final int state;
    /** Closed and half-open: the outcomes so far; {@code null} when open, or closed and never called yet. */
    final CallWindow window;
    final int minCalls;
    final long openedAtNanos;
    /** Half-open: probes not yet handed out. */
    final AtomicInteger probesLeft;

    Period(int state, CallWindow window, int minCalls, long openedAtNanos, int probes) {
      this.state = state;
      this.window = window;
      this.minCalls = minCalls;
      this.openedAtNanos = openedAtNanos;
      this.probesLeft = state == HALF_OPEN ? new AtomicInteger(probes) : null;
    }
  }

  private final String name;
  private final Rules rules;
  // Closed with no window until the first outcome: thousands of registered endpoints, most idle, keep none.
  private final AtomicReference<Period> current;

  Breaker(String name, Rules rules) {
    this.name = name;
    this.rules = rules;
    this.current = new AtomicReference<>(new Period(CLOSED, null, rules.closedMinCalls(), 0, 0));
  }

  /** {@link #CLOSED}, {@link #HALF_OPEN} or {@link #OPEN}. */
  int state() {
    return current.get().state;
  }

  /** Free of side effects: whether a request at {@code nowNanos} could be admitted. */
  boolean admits(long nowNanos) {
    Period period = current.get();
    return period.state != OPEN || nowNanos - period.openedAtNanos >= rules.openForNanos;
  }

  /** Claims admission: always when closed, a probe when half-open (an open breaker past its wait turns half-open). */
  boolean tryAcquire(long nowNanos) {
    Period period = current.get();
    if (period.state == OPEN) {
      if (nowNanos - period.openedAtNanos < rules.openForNanos) {
        return false;
      }
      Period probing = new Period(HALF_OPEN, new CallWindow.Counted(rules.probes), Math.min(rules.minCalls, rules.probes), 0, rules.probes);
      moveOn(period, probing);
      period = current.get();
    }
    if (period.state == HALF_OPEN) {
      AtomicInteger left = period.probesLeft;
      for (int n = left.get(); n > 0; n = left.get()) {
        if (left.compareAndSet(n, n - 1)) {
          return true;
        }
      }
      return false;
    }
    return period.state == CLOSED;
  }

  /** Gives back an admission that ended without a verdict: a half-open breaker may hand out that probe again. */
  void release() {
    Period period = current.get();
    if (period.state == HALF_OPEN) {
      period.probesLeft.incrementAndGet();
    }
  }

  /** An outcome: the backend answered ({@code failed} false) or failed, after {@code durationNanos}. */
  void record(long nowNanos, long durationNanos, boolean failed) {
    Period period = current.get();
    if (period.state == OPEN) {
      return;
    }
    if (period.window == null) {
      moveOn(period, new Period(CLOSED, rules.closedWindow(), period.minCalls, 0, 0));
      period = current.get();
      if (period.window == null) {
        return;
      }
    }
    int outcome = CallWindow.CALL | (failed ? CallWindow.FAILED : 0) | (durationNanos > rules.slowNanos ? CallWindow.SLOW : 0);
    long tally = period.window.record(nowNanos, outcome);
    int calls = CallWindow.calls(tally);
    if (calls < period.minCalls || !CallWindow.settled(tally)) {
      return;
    }
    boolean tripped = CallWindow.failed(tally) * 1_000_000L >= rules.failurePerMillion * calls
        || CallWindow.slow(tally) * 1_000_000L >= rules.slowPerMillion * calls;
    if (tripped) {
      moveOn(period, opened(nowNanos));
    } else if (period.state == HALF_OPEN) {
      moveOn(period, new Period(CLOSED, rules.closedWindow(), rules.closedMinCalls(), 0, 0));
    }
  }

  /** No connection could be made: open now, whatever the state (an open breaker waits anew). */
  void forceOpen(long nowNanos) {
    Period opened = opened(nowNanos);
    Period period;
    do {
      period = current.get();
    } while (!current.compareAndSet(period, opened));
    logged(period.state, OPEN);
  }

  private Period opened(long nowNanos) {
    return new Period(OPEN, null, 0, nowNanos, 0);
  }

  private void moveOn(Period from, Period to) {
    if (current.compareAndSet(from, to)) {
      logged(from.state, to.state);
    }
  }

  // A new window or a restarted wait is no change of state worth a line.
  private void logged(int from, int to) {
    if (from == to) {
      return;
    }
    if (to == OPEN) {
      LOG.warning(() -> "circuit breaker of " + name + " opened (" + NAMES[from] + " -> open): no traffic for "
          + TimeUnit.NANOSECONDS.toMillis(rules.openForNanos) + " ms, then probes");
    } else {
      LOG.info(() -> "circuit breaker of " + name + ": " + NAMES[from] + " -> " + NAMES[to]);
    }
  }

  @Override
  public String toString() {
    return NAMES[state()].toUpperCase(Locale.ROOT);
  }
}
