package dev.modelgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The breaker against a plain reference model (lists of outcomes, one state field) over random
 * settings and random sequences of calls and clock moves; and its windows under concurrent recording.
 */
class BreakerTest {
  private static final long SECOND = 1_000_000_000L;

  /** One step of a caller: acquire, release, an outcome of some duration, a failed connection, or time passing. */
  record Step(char kind, long nanos) {}

  @Property(tries = 400)
  void behavesLikeTheReferenceModel(@ForAll("rules") Breaker.Rules rules, @ForAll("steps") List<Step> steps) {
    Breaker breaker = new Breaker("http://test", rules);
    Model model = new Model(rules);
    long now = 7 * SECOND;
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      String at = "step " + i + " " + step + " of " + steps + " with " + rules;
      switch (step.kind()) {
        case 'a' -> assertThat(breaker.tryAcquire(now)).as(at).isEqualTo(model.tryAcquire(now));
        case 'r' -> {
          breaker.release();
          model.release();
        }
        case 's', 'f' -> {
          breaker.record(now, step.nanos(), step.kind() == 'f');
          model.record(now, step.nanos(), step.kind() == 'f');
        }
        case 'u' -> {
          breaker.forceOpen(now);
          model.forceOpen(now);
        }
        default -> now += step.nanos();
      }
      assertThat(breaker.state()).as(at).isEqualTo(model.state);
      assertThat(breaker.admits(now)).as(at).isEqualTo(model.admits(now));
    }
  }

  @Test
  void opensAtTheFailureRateOnceTheWindowHoldsMinCallsAndClosesAfterGoodProbes() {
    Breaker.Rules rules = new Breaker.Rules(500_000, 1_000_000, 60 * SECOND, 4, 4, 0, 2 * SECOND, 2);
    Breaker breaker = new Breaker("http://test", rules);
    breaker.record(0, 1, true);
    breaker.record(0, 1, true);
    breaker.record(0, 1, false);
    assertThat(breaker.state()).as("3 calls, below min_calls").isEqualTo(Breaker.CLOSED);
    breaker.record(0, 1, false);
    assertThat(breaker.state()).as("2 of 4 failed: 50 %").isEqualTo(Breaker.OPEN);
    assertThat(breaker.tryAcquire(SECOND)).isFalse();
    assertThat(breaker.admits(2 * SECOND)).isTrue();
    assertThat(breaker.tryAcquire(2 * SECOND)).isTrue();
    assertThat(breaker.state()).isEqualTo(Breaker.HALF_OPEN);
    assertThat(breaker.tryAcquire(2 * SECOND)).isTrue();
    assertThat(breaker.tryAcquire(2 * SECOND)).as("both probes out").isFalse();
    breaker.record(2 * SECOND, 1, false);
    breaker.record(2 * SECOND, 1, false);
    assertThat(breaker.state()).isEqualTo(Breaker.CLOSED);
  }

  @Test
  void slowCallsOpenItLikeFailures() {
    Breaker breaker = new Breaker("http://test", new Breaker.Rules(1_000_000, 500_000, SECOND, 2, 10, 0, SECOND, 1));
    breaker.record(0, 2 * SECOND, false);
    breaker.record(0, SECOND / 2, false);
    assertThat(breaker.state()).isEqualTo(Breaker.OPEN);
  }

  @Test
  void aCountedWindowKeepsExactCountsAfterConcurrentRecording() throws Exception {
    CallWindow.Counted window = new CallWindow.Counted(16);
    recordFromFourThreads(window, 0);
    // Every slot overwritten by one thread: any count lost or doubled in the race would show now.
    long tally = 0;
    for (int i = 0; i < 16; i++) {
      tally = window.record(0, CallWindow.CALL | CallWindow.SLOW);
    }
    assertThat(List.of(CallWindow.calls(tally), CallWindow.failed(tally), CallWindow.slow(tally))).containsExactly(16, 0, 16);
  }

  @Test
  void aTimedWindowKeepsExactCountsAfterConcurrentRecording() throws Exception {
    CallWindow.Timed window = new CallWindow.Timed(3);
    recordFromFourThreads(window, SECOND / 1000);
    long later = 1_000 * SECOND;
    window.record(later, CallWindow.CALL);
    long tally = window.record(later + SECOND, CallWindow.CALL | CallWindow.FAILED);
    assertThat(List.of(CallWindow.calls(tally), CallWindow.failed(tally), CallWindow.slow(tally))).containsExactly(2, 1, 0);
    tally = window.record(later + 3 * SECOND, CallWindow.CALL);
    assertThat(CallWindow.calls(tally)).as("the first second has left the 3-second window").isEqualTo(2);
  }

  // Four threads start on a latch and record mixed outcomes; each thread's clock moves by tick per call.
  private static void recordFromFourThreads(CallWindow window, long tick) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int outcome = CallWindow.CALL | (t % 2 == 0 ? CallWindow.FAILED : 0) | (t < 2 ? CallWindow.SLOW : 0);
        done.add(threads.submit(() -> {
          start.await();
          for (int i = 0; i < 50_000; i++) {
            long tally = window.record(i * tick, outcome);
            assertThat(CallWindow.calls(tally)).isLessThanOrEqualTo(1 << 20);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Provide
  Arbitrary<Breaker.Rules> rules() {
    Arbitrary<Long> perMillion = Arbitraries.oneOf(Arbitraries.of(250_000L, 500_000L, 1_000_000L), Arbitraries.longs().between(1, 1_000_000));
    Arbitrary<Integer> small = Arbitraries.integers().between(1, 6);
    Arbitrary<Boolean> counted = Arbitraries.of(true, false);
    return Combinators.combine(perMillion, perMillion, Arbitraries.longs().between(1, 3 * SECOND), small, small, counted, small, small)
        .as((failure, slow, slowNanos, minCalls, window, byCalls, openSeconds, probes) -> new Breaker.Rules(failure, slow, slowNanos,
            byCalls ? Math.min(minCalls, window) : minCalls, byCalls ? window : 0, byCalls ? 0 : window, openSeconds * SECOND / 2, probes));
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> outcome = Combinators.combine(Arbitraries.of('s', 'f'), Arbitraries.longs().between(0, 4 * SECOND)).as(Step::new);
    Arbitrary<Step> other = Arbitraries.of('a', 'a', 'r', 'u').map(kind -> new Step(kind, 0));
    Arbitrary<Step> time = Arbitraries.longs().between(0, 3 * SECOND).map(nanos -> new Step('t', nanos));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, outcome), net.jqwik.api.Tuple.of(4, other), net.jqwik.api.Tuple.of(3, time)).list().ofMaxSize(80);
  }

  /** The behaviour written out plainly: lists of recent outcomes and a state field. */
  private static final class Model {
    private final Breaker.Rules rules;
    int state = Breaker.CLOSED;
    // Closed: {second, failed, slow} per call, newest last; half-open: the probes' outcomes.
    private final ArrayDeque<long[]> calls = new ArrayDeque<>();
    private long openedAt;
    private int probesLeft;

    Model(Breaker.Rules rules) {
      this.rules = rules;
    }

    boolean admits(long now) {
      return state != Breaker.OPEN || now - openedAt >= rules.openForNanos();
    }

    boolean tryAcquire(long now) {
      if (state == Breaker.OPEN) {
        if (now - openedAt < rules.openForNanos()) {
          return false;
        }
        state = Breaker.HALF_OPEN;
        calls.clear();
        probesLeft = rules.probes();
      }
      if (state == Breaker.HALF_OPEN) {
        if (probesLeft == 0) {
          return false;
        }
        probesLeft--;
      }
      return true;
    }

    void release() {
      if (state == Breaker.HALF_OPEN) {
        probesLeft++;
      }
    }

    void forceOpen(long now) {
      state = Breaker.OPEN;
      openedAt = now;
      calls.clear();
    }

    void record(long now, long duration, boolean failed) {
      if (state == Breaker.OPEN) {
        return;
      }
      long second = Math.floorDiv(now, SECOND);
      calls.addLast(new long[] {second, failed ? 1 : 0, duration > rules.slowNanos() ? 1 : 0});
      boolean halfOpen = state == Breaker.HALF_OPEN;
      int keep = halfOpen ? rules.probes() : rules.windowCalls();
      if (keep > 0) {
        while (calls.size() > keep) {
          calls.removeFirst();
        }
      } else {
        calls.removeIf(call -> call[0] <= second - rules.windowSeconds());
      }
      int minCalls = halfOpen ? Math.min(rules.minCalls(), rules.probes()) : rules.windowCalls() > 0
          ? Math.min(rules.minCalls(), rules.windowCalls()) : rules.minCalls();
      if (calls.size() < minCalls) {
        return;
      }
      long failures = 0;
      long slow = 0;
      for (Iterator<long[]> i = calls.iterator(); i.hasNext(); ) {
        long[] call = i.next();
        failures += call[1];
        slow += call[2];
      }
      // failures / calls >= failure rate, in exact fractions.
      boolean tripped = failures * 1_000_000 >= rules.failurePerMillion() * calls.size()
          || slow * 1_000_000 >= rules.slowPerMillion() * calls.size();
      if (tripped) {
        forceOpen(now);
      } else if (halfOpen) {
        state = Breaker.CLOSED;
        calls.clear();
      }
    }
  }
}
