package dev.modelgate.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.rollout.RolloutPlan.ShadowPhase;
import dev.modelgate.core.rollout.Transition.Kind;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Random plans driven by random traffic histories and operator commands; the invariants hold after every event. */
class RolloutMachinePropertiesTest {
  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
  private static final SloPolicy POLICY = new SloPolicy(
      Duration.ofSeconds(60), Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), null, 2, Duration.ofMinutes(10));
  private static final WindowSnapshot FROM = WindowSnapshot.of(500, 5, Duration.ofMillis(200), Duration.ofMillis(700));

  /** One thing that happens to a rollout: time passes and the gate is evaluated, or an operator acts. */
  sealed interface Event permits Evaluate, Command {}

  /** {@code seconds} pass, then an evaluation on these figures. */
  record Evaluate(int seconds, int phaseRequests, int phaseFailures, boolean phaseSlow, int windowRequests, int windowFailures) implements Event {}

  enum Op { PAUSE, RESUME, APPROVE_BY_STARTER, APPROVE_BY_OTHER, ABORT }

  record Command(Op op) implements Event {}

  @Provide
  Arbitrary<RolloutPlan> plans() {
    Arbitrary<List<Integer>> steps = Arbitraries.integers().between(1, 99).set().ofMaxSize(5)
        .map(set -> {
          List<Integer> list = new ArrayList<>(new TreeSet<>(set));
          list.add(100);
          return list;
        });
    return Combinators.combine(
            steps,
            Arbitraries.of(Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(10)),
            Arbitraries.integers().between(1, 300),
            Arbitraries.integers().between(0, 31),
            Arbitraries.integers().between(0, 2))
        .as((stepList, interval, minRequests, approvalMask, optional) -> {
          List<Integer> approvals = new ArrayList<>();
          for (int i = 0; i < stepList.size(); i++) {
            if ((approvalMask & (1 << i)) != 0) {
              approvals.add(stepList.get(i));
            }
          }
          ShadowPhase shadow = optional >= 1 ? new ShadowPhase(10, Duration.ofSeconds(45)) : null;
          String segment = optional == 2 || optional == 0 && minRequests % 2 == 0 ? "internal" : null;
          return new RolloutPlan(stepList, interval, minRequests, approvals, shadow, segment);
        });
  }

  @Provide
  Arbitrary<List<Event>> histories() {
    Arbitrary<Event> evaluate = Combinators.combine(
            Arbitraries.integers().between(0, 900),
            Arbitraries.integers().between(0, 400),
            Arbitraries.integers().between(0, 60),
            Arbitraries.of(false, false, false, true),
            Arbitraries.integers().between(0, 200),
            Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(0, 40))))
        .as((seconds, requests, failures, slow, windowRequests, windowFailures) -> new Evaluate(
            seconds, requests, Math.min(failures, requests), slow, windowRequests, Math.min(windowFailures, windowRequests)));
    Arbitrary<Event> command = Arbitraries.of(Op.class).map(Command::new);
    return Arbitraries.frequencyOf(
            Tuple.of(8, evaluate),
            Tuple.of(1, command))
        .list().ofMaxSize(80);
  }

  private static GateFigures figures(Evaluate e) {
    WindowSnapshot phase = WindowSnapshot.of(e.phaseRequests(), e.phaseFailures(), Duration.ofMillis(300),
        e.phaseSlow() ? Duration.ofSeconds(3) : Duration.ofMillis(800));
    WindowSnapshot window = WindowSnapshot.of(e.windowRequests(), e.windowFailures(), Duration.ofMillis(300), Duration.ofMillis(800));
    return new GateFigures(phase, window, FROM);
  }

  @Property(tries = 400)
  void theInvariantsHoldAfterEveryEvent(@ForAll("plans") RolloutPlan plan, @ForAll("histories") List<Event> history, @ForAll boolean distinct) {
    Rollout rollout = ((Transition) RolloutMachine.start(null, plan, "v9", "v7", "ci", T0)).next();
    Instant now = T0;
    int highestPercent = rollout.percent();
    boolean ended = false;
    for (Event event : history) {
      Rollout before = rollout;
      RolloutOutcome outcome;
      Verdict verdict = null;
      if (event instanceof Evaluate e) {
        now = now.plusSeconds(e.seconds());
        verdict = RolloutMachine.verdict(before, POLICY, figures(e), now);
        outcome = RolloutMachine.evaluate(before, POLICY, figures(e), now);
      } else {
        Op op = ((Command) event).op();
        outcome = switch (op) {
          case PAUSE -> RolloutMachine.pause(before);
          case RESUME -> RolloutMachine.resume(before);
          case APPROVE_BY_STARTER -> RolloutMachine.approve(before, "ci", distinct, now);
          case APPROVE_BY_OTHER -> RolloutMachine.approve(before, "sre", distinct, now);
          case ABORT -> RolloutMachine.abort(before);
        };
      }

      if (!before.status().isTerminal() && event.equals(new Command(Op.ABORT))) {
        assertThat(outcome).isInstanceOf(Transition.class);
        assertThat(((Transition) outcome).next().status()).isEqualTo(RolloutStatus.ABORTED);
      }
      if (ended) {
        // Nothing moves a rollout that ended, whatever comes.
        assertThat(outcome).isNotInstanceOf(Transition.class);
      }
      if (outcome instanceof Transition t) {
        rollout = t.next();
        checkTransition(before, t, verdict, now, event, distinct);
      } else if (outcome instanceof Stay s) {
        rollout = s.next();
        assertThat(rollout.withBreaches(0)).isEqualTo(before.withBreaches(0));
        assertThat(s.verdict()).isEqualTo(verdict);
      } else {
        assertThat(event).isInstanceOf(Command.class);
      }
      if (rollout.status().isTerminal() && rollout.status() != RolloutStatus.COMPLETED) {
        assertThat(rollout.weights()).containsEntry("v7", 100).containsEntry("v9", 0);
      }
      if (!rollout.status().isTerminal()) {
        // The candidate's share only grows while the rollout is live.
        assertThat(rollout.percent()).isGreaterThanOrEqualTo(highestPercent);
        highestPercent = rollout.percent();
        assertThat(rollout.weights().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
      }
      ended = rollout.status().isTerminal();
    }
  }

  private static void checkTransition(Rollout before, Transition t, Verdict verdict, Instant now, Event event, boolean distinct) {
    Rollout after = t.next();
    switch (t.kind()) {
      case ADVANCED, AWAITING_APPROVAL, COMPLETED -> {
        // Only a passing gate, on a running rollout, after the phase's least time, moves it on.
        assertThat(verdict).isEqualTo(Verdict.PASS);
        assertThat(before.status()).isEqualTo(RolloutStatus.RUNNING);
        assertThat(Duration.between(before.enteredAt(), now)).isGreaterThanOrEqualTo(before.plan().duration(before.phase()));
      }
      case ROLLED_BACK -> {
        assertThat(verdict).isEqualTo(Verdict.FAIL);
        assertThat(after.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(after.breaches()).isEqualTo(POLICY.breachesToRevert());
      }
      case APPROVED -> {
        assertThat(before.status()).isEqualTo(RolloutStatus.AWAITING_APPROVAL);
        if (distinct) {
          assertThat(event).isEqualTo(new Command(Op.APPROVE_BY_OTHER));
        }
      }
      case ABORTED -> assertThat(after.status()).isEqualTo(RolloutStatus.ABORTED);
      case PAUSED -> assertThat(before.status()).isEqualTo(RolloutStatus.RUNNING);
      case RESUMED -> assertThat(before.status()).isEqualTo(RolloutStatus.PAUSED);
      case STARTED -> throw new AssertionError("started twice");
    }
    if (t.kind() == Kind.ADVANCED || t.kind() == Kind.APPROVED) {
      // Exactly one position further, never skipping one.
      assertThat(position(after)).isEqualTo(position(before) + 1);
      assertThat(after.enteredAt()).isEqualTo(now);
    } else {
      assertThat(position(after)).isEqualTo(position(before));
    }
    // A step in approval_before is entered only by an approval.
    if (after.phase() == RolloutPhase.STEP && after.step() > 0 && position(after) != position(before)
        && after.plan().needsApproval(after.step())) {
      assertThat(t.kind()).isEqualTo(Kind.APPROVED);
    }
  }

  /** Positions in the order a rollout must pass them: the phases it has, then each step. */
  private static int position(Rollout rollout) {
    RolloutPlan plan = rollout.plan();
    int before = (plan.shadow() != null ? 1 : 0) + (plan.segmentFirst() != null ? 1 : 0);
    return switch (rollout.phase()) {
      case SHADOW -> 0;
      case SEGMENT -> plan.shadow() != null ? 1 : 0;
      // Step 0 only ever waits for the approval of step 1 at the very start.
      case STEP -> before + rollout.step() - 1;
    };
  }
}
