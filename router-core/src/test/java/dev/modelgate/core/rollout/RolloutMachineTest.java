package dev.modelgate.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.rollout.RolloutPlan.ShadowPhase;
import dev.modelgate.core.rollout.Transition.Kind;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RolloutMachineTest {
  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
  private static final Duration INTERVAL = Duration.ofMinutes(10);
  private static final SloPolicy POLICY = new SloPolicy(
      Duration.ofSeconds(60), Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), null, 2, Duration.ofMinutes(10));

  private static final WindowSnapshot HEALTHY = WindowSnapshot.of(300, 3, Duration.ofMillis(300), Duration.ofMillis(800));
  private static final WindowSnapshot QUIET = WindowSnapshot.of(199, 0, Duration.ofMillis(300), Duration.ofMillis(800));
  private static final WindowSnapshot ERRORING = WindowSnapshot.of(300, 30, Duration.ofMillis(300), Duration.ofMillis(800));
  private static final WindowSnapshot SLOW = WindowSnapshot.of(300, 0, Duration.ofMillis(900), Duration.ofMillis(2_500));

  private static final GateFigures PASSING = new GateFigures(HEALTHY, HEALTHY, HEALTHY);
  private static final GateFigures BREACHING = new GateFigures(ERRORING, ERRORING, HEALTHY);

  private static RolloutPlan plan(List<Integer> approvalBefore, ShadowPhase shadow, String segmentFirst) {
    return new RolloutPlan(List.of(5, 25, 50, 100), INTERVAL, 200, approvalBefore, shadow, segmentFirst);
  }

  private static final RolloutPlan PLAIN = plan(List.of(), null, null);

  private static Rollout started(RolloutPlan plan) {
    return ((Transition) RolloutMachine.start(null, plan, "v9", "v7", "ci", T0)).next();
  }

  private static Instant at(Duration after) {
    return T0.plus(after);
  }

  private static Transition transition(RolloutOutcome outcome) {
    assertThat(outcome).isInstanceOf(Transition.class);
    return (Transition) outcome;
  }

  private static Stay stay(RolloutOutcome outcome) {
    assertThat(outcome).isInstanceOf(Stay.class);
    return (Stay) outcome;
  }

  private static String refusal(RolloutOutcome outcome) {
    assertThat(outcome).isInstanceOf(Refusal.class);
    return ((Refusal) outcome).reason();
  }

  @Test
  void startsAtStepOneWithTheCandidatesPercentAndTheRestOnFrom() {
    Transition start = transition(RolloutMachine.start(null, PLAIN, "v9", "v7", "ci", T0));

    assertThat(start.kind()).isEqualTo(Kind.STARTED);
    assertThat(start.kind().action()).isEqualTo("rollout_started");
    Rollout rollout = start.next();
    assertThat(rollout.status()).isEqualTo(RolloutStatus.RUNNING);
    assertThat(rollout.phase()).isEqualTo(RolloutPhase.STEP);
    assertThat(rollout.step()).isEqualTo(1);
    assertThat(rollout.percent()).isEqualTo(5);
    assertThat(rollout.weights()).containsExactly(Map.entry("v7", 95), Map.entry("v9", 5));
    assertThat(rollout.stable()).isEqualTo("v7");
    assertThat(rollout.nextAt()).contains(at(INTERVAL));
    assertThat(rollout.mirrorPercent()).isZero();
    assertThat(rollout.candidateSegment()).isEmpty();
  }

  @Test
  void startsWithTheShadowPhaseWhenThePlanHasOne() {
    Rollout rollout = started(plan(List.of(), new ShadowPhase(10, Duration.ofMinutes(5)), "internal"));

    assertThat(rollout.phase()).isEqualTo(RolloutPhase.SHADOW);
    assertThat(rollout.step()).isZero();
    assertThat(rollout.weights()).containsExactly(Map.entry("v7", 100), Map.entry("v9", 0));
    assertThat(rollout.mirrorPercent()).isEqualTo(10);
    assertThat(rollout.candidateSegment()).isEmpty();
    assertThat(rollout.nextAt()).contains(at(Duration.ofMinutes(5)));
  }

  @Test
  void startsWithTheSegmentPhaseWithoutAShadow() {
    Rollout rollout = started(plan(List.of(), null, "internal"));

    assertThat(rollout.phase()).isEqualTo(RolloutPhase.SEGMENT);
    assertThat(rollout.percent()).isZero();
    assertThat(rollout.candidateSegment()).contains("internal");
    assertThat(rollout.mirrorPercent()).isZero();
  }

  @Test
  void startsAwaitingApprovalWhenTheFirstStepNeedsOne() {
    Transition start = transition(RolloutMachine.start(null, plan(List.of(5), null, null), "v9", "v7", "ci", T0));

    assertThat(start.next().status()).isEqualTo(RolloutStatus.AWAITING_APPROVAL);
    assertThat(start.next().step()).isZero();
    assertThat(start.next().weights()).containsEntry("v9", 0);
    assertThat(start.reason()).contains("step 1 (5 %) waits for approval");
  }

  @Test
  void refusesAStartWhileAnotherRolloutIsInProgressButNotAfterItEnded() {
    Rollout running = started(PLAIN);
    Rollout paused = transition(RolloutMachine.pause(running)).next();

    assertThat(refusal(RolloutMachine.start(paused, PLAIN, "v10", "v7", "ci", T0)))
        .isEqualTo("a rollout of v9 is paused on this alias (expected: abort it before starting another)");
    Rollout aborted = transition(RolloutMachine.abort(paused)).next();
    assertThat(transition(RolloutMachine.start(aborted, PLAIN, "v10", "v7", "ci", T0)).next().version()).isEqualTo("v10");
  }

  @Test
  void refusesRollingOutTheStableVersionItself() {
    assertThat(refusal(RolloutMachine.start(null, PLAIN, "v7", "v7", "ci", T0)))
        .isEqualTo("v7 is the stable version already (expected: another version to roll out)");
  }

  @Test
  void holdsAPassingStepUntilItsIntervalHasPassedThenAdvancesByOne() {
    Rollout rollout = started(PLAIN);

    Stay early = stay(RolloutMachine.evaluate(rollout, POLICY, PASSING, at(INTERVAL.minusSeconds(1))));
    assertThat(early.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(early.next()).isEqualTo(rollout);
    assertThat(early.reason()).isEqualTo("holding at step 1 (5 %): passing, 599s of its least 10m");

    Transition advance = transition(RolloutMachine.evaluate(rollout, POLICY, PASSING, at(INTERVAL)));
    assertThat(advance.kind()).isEqualTo(Kind.ADVANCED);
    assertThat(advance.kind().action()).isEqualTo("rollout_advanced");
    assertThat(advance.next().step()).isEqualTo(2);
    assertThat(advance.next().percent()).isEqualTo(25);
    assertThat(advance.next().enteredAt()).isEqualTo(at(INTERVAL));
    assertThat(advance.next().startedAt()).isEqualTo(T0);
    assertThat(advance.reason()).isEqualTo("step 1 (5 %) passed: 300 requests, error rate 0.0100, p99 800ms over 10m; now at step 2 (25 %)");
  }

  @Test
  void holdsAStepWithTooFewRequestsHoweverLongItWaits() {
    Rollout rollout = started(PLAIN);

    Stay stay = stay(RolloutMachine.evaluate(rollout, POLICY, new GateFigures(QUIET, QUIET, HEALTHY), at(Duration.ofDays(3))));

    assertThat(stay.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(stay.next()).isEqualTo(rollout);
    assertThat(stay.reason()).isEqualTo("holding at step 1 (5 %): 199 of the 200 requests the gate needs");
  }

  @Test
  void holdsAStepWhosePhaseFiguresAreOverALimitEvenWhenTheWindowRecovered() {
    Rollout rollout = started(PLAIN);

    Stay stay = stay(RolloutMachine.evaluate(rollout, POLICY, new GateFigures(SLOW, HEALTHY, HEALTHY), at(INTERVAL)));

    assertThat(stay.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(stay.next().breaches()).isZero();
    assertThat(stay.reason()).isEqualTo("holding at step 1 (5 %): over the phase 300 requests, error rate 0.0000, p99 2500ms is over max_p99_latency");
  }

  @Test
  void rollsBackAfterBreachesToRevertFailingEvaluationsInARow() {
    Rollout rollout = transition(RolloutMachine.evaluate(started(PLAIN), POLICY, PASSING, at(INTERVAL))).next();

    Stay first = stay(RolloutMachine.evaluate(rollout, POLICY, BREACHING, at(INTERVAL.plusSeconds(5))));
    assertThat(first.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(first.next().breaches()).isEqualTo(1);
    assertThat(first.reason()).isEqualTo("holding at step 2 (25 %): the window breaches max_error_rate"
        + " (300 requests, error rate 0.1000, p99 800ms), evaluation 1 of 2 before a rollback");

    Transition second = transition(RolloutMachine.evaluate(first.next(), POLICY, BREACHING, at(INTERVAL.plusSeconds(10))));
    assertThat(second.kind()).isEqualTo(Kind.ROLLED_BACK);
    assertThat(second.kind().action()).isEqualTo("auto_rollback");
    assertThat(second.next().status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    assertThat(second.next().step()).isEqualTo(2);
    assertThat(second.next().weights()).containsExactly(Map.entry("v7", 100), Map.entry("v9", 0));
    assertThat(second.next().stable()).isEqualTo("v7");
    assertThat(second.evidence()).singleElement().satisfies(evidence -> {
      assertThat(evidence.version()).isEqualTo("v9");
      assertThat(evidence.stable()).isEqualTo("v7");
      assertThat(evidence.window()).isEqualTo(ERRORING);
      assertThat(evidence.stableWindow()).isEqualTo(HEALTHY);
      assertThat(evidence.breached()).containsExactly(Rule.ERROR_RATE);
      assertThat(evidence.consecutiveBreaches()).isEqualTo(2);
    });
    assertThat(second.reason()).isEqualTo("v9 breached max_error_rate 2 evaluations in a row at step 2 (25 %):"
        + " 300 requests, error rate 0.1000, p99 800ms; v7 has 100 % again");
  }

  @Test
  void aHealthyEvaluationEndsTheBreachRun() {
    Rollout rollout = started(PLAIN);
    Rollout once = stay(RolloutMachine.evaluate(rollout, POLICY, BREACHING, at(Duration.ofSeconds(5)))).next();
    Rollout healed = stay(RolloutMachine.evaluate(once, POLICY, PASSING, at(Duration.ofSeconds(10)))).next();
    Stay again = stay(RolloutMachine.evaluate(healed, POLICY, BREACHING, at(Duration.ofSeconds(15))));

    assertThat(healed.breaches()).isZero();
    assertThat(again.next().breaches()).isEqualTo(1);
  }

  @Test
  void aWindowWithFewerThanTheGuardsMinRequestsIsNotJudged() {
    WindowSnapshot brokenButQuiet = WindowSnapshot.of(49, 49, Duration.ofSeconds(3), Duration.ofSeconds(5));
    Rollout rollout = started(PLAIN);
    for (int i = 1; i <= 5; i++) {
      Stay stay = stay(RolloutMachine.evaluate(rollout, POLICY, new GateFigures(brokenButQuiet, brokenButQuiet, HEALTHY), at(Duration.ofSeconds(5L * i))));
      assertThat(stay.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      rollout = stay.next();
    }
    assertThat(rollout.breaches()).isZero();
  }

  @Test
  void relativeToStableSparesACandidateNoWorseThanFrom() {
    SloPolicy relative = new SloPolicy(Duration.ofSeconds(60), Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), 2.0, 1, Duration.ofMinutes(10));
    Rollout rollout = started(PLAIN);

    Stay shared = stay(RolloutMachine.evaluate(rollout, relative, new GateFigures(HEALTHY, ERRORING, ERRORING), at(Duration.ofSeconds(5))));
    assertThat(shared.next().breaches()).isZero();
    assertThat(shared.verdict()).isEqualTo(Verdict.INCONCLUSIVE);

    Transition alone = transition(RolloutMachine.evaluate(rollout, relative, new GateFigures(HEALTHY, ERRORING, HEALTHY), at(Duration.ofSeconds(5))));
    assertThat(alone.kind()).isEqualTo(Kind.ROLLED_BACK);
  }

  @Test
  void goesThroughShadowThenSegmentThenEveryStepToCompletion() {
    Duration shadowTime = Duration.ofMinutes(5);
    Rollout rollout = started(plan(List.of(), new ShadowPhase(10, shadowTime), "internal"));
    Instant now = T0.plus(shadowTime);

    rollout = transition(RolloutMachine.evaluate(rollout, POLICY, PASSING, now)).next();
    assertThat(rollout.phase()).isEqualTo(RolloutPhase.SEGMENT);
    assertThat(rollout.candidateSegment()).contains("internal");
    assertThat(rollout.mirrorPercent()).isZero();

    int[] percents = {5, 25, 50, 100};
    for (int step = 1; step <= 4; step++) {
      now = now.plus(INTERVAL);
      Transition next = transition(RolloutMachine.evaluate(rollout, POLICY, PASSING, now));
      assertThat(next.kind()).isEqualTo(Kind.ADVANCED);
      rollout = next.next();
      assertThat(rollout.step()).isEqualTo(step);
      assertThat(rollout.percent()).isEqualTo(percents[step - 1]);
      assertThat(rollout.candidateSegment()).contains("internal");
    }
    assertThat(rollout.weights()).containsExactly(Map.entry("v7", 0), Map.entry("v9", 100));
    assertThat(rollout.stable()).isEqualTo("v7");

    Transition done = transition(RolloutMachine.evaluate(rollout, POLICY, PASSING, now.plus(INTERVAL)));
    assertThat(done.kind()).isEqualTo(Kind.COMPLETED);
    assertThat(done.kind().action()).isEqualTo("rollout_completed");
    assertThat(done.next().status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(done.next().stable()).isEqualTo("v9");
    assertThat(done.next().weights()).containsExactly(Map.entry("v7", 0), Map.entry("v9", 100));
    assertThat(done.next().candidateSegment()).isEmpty();
    assertThat(done.next().nextAt()).isEmpty();
    assertThat(done.reason()).endsWith("; v9 is stable");
  }

  @Test
  void waitsForApprovalBeforeAStepInApprovalBeforeAndStartsItWhenApproved() {
    Rollout rollout = transition(RolloutMachine.evaluate(started(plan(List.of(50), null, null)), POLICY, PASSING, at(INTERVAL))).next();
    assertThat(rollout.percent()).isEqualTo(25);

    Transition gate = transition(RolloutMachine.evaluate(rollout, POLICY, PASSING, at(INTERVAL.multipliedBy(2))));
    assertThat(gate.kind()).isEqualTo(Kind.AWAITING_APPROVAL);
    assertThat(gate.kind().action()).isEqualTo("rollout_advanced");
    assertThat(gate.next().status()).isEqualTo(RolloutStatus.AWAITING_APPROVAL);
    assertThat(gate.next().percent()).isEqualTo(25);
    assertThat(gate.next().nextAt()).isEmpty();
    assertThat(gate.reason()).endsWith("; step 3 (50 %) waits for approval");

    Stay waiting = stay(RolloutMachine.evaluate(gate.next(), POLICY, PASSING, at(Duration.ofDays(1))));
    assertThat(waiting.next()).isEqualTo(gate.next());
    assertThat(waiting.reason()).isEqualTo("step 3 (50 %) waits for approval");

    Instant approvedAt = at(Duration.ofDays(1));
    Transition approved = transition(RolloutMachine.approve(gate.next(), "sre", false, approvedAt));
    assertThat(approved.kind()).isEqualTo(Kind.APPROVED);
    assertThat(approved.kind().action()).isEqualTo("rollout_approved");
    assertThat(approved.next().status()).isEqualTo(RolloutStatus.RUNNING);
    assertThat(approved.next().step()).isEqualTo(3);
    assertThat(approved.next().percent()).isEqualTo(50);
    assertThat(approved.next().enteredAt()).isEqualTo(approvedAt);
    assertThat(approved.reason()).isEqualTo("approved: now at step 3 (50 %)");
  }

  @Test
  void approvesTheFirstStepOfARolloutThatWaitedFromTheStart() {
    Rollout waiting = started(plan(List.of(5), null, null));

    Rollout approved = transition(RolloutMachine.approve(waiting, "sre", false, at(Duration.ofMinutes(1)))).next();

    assertThat(approved.step()).isEqualTo(1);
    assertThat(approved.percent()).isEqualTo(5);
  }

  @Test
  void aPendingApprovalStillRollsBackOnABreach() {
    Rollout waiting = started(plan(List.of(25), null, null));
    waiting = transition(RolloutMachine.evaluate(waiting, POLICY, PASSING, at(INTERVAL))).next();
    assertThat(waiting.status()).isEqualTo(RolloutStatus.AWAITING_APPROVAL);

    Rollout once = stay(RolloutMachine.evaluate(waiting, POLICY, BREACHING, at(INTERVAL.plusSeconds(5)))).next();
    Transition back = transition(RolloutMachine.evaluate(once, POLICY, BREACHING, at(INTERVAL.plusSeconds(10))));

    assertThat(back.kind()).isEqualTo(Kind.ROLLED_BACK);
  }

  @Test
  void refusesAnApprovalFromTheStarterWhenApproversMustDiffer() {
    Rollout waiting = started(plan(List.of(5), null, null));

    assertThat(refusal(RolloutMachine.approve(waiting, "ci", true, T0)))
        .isEqualTo("ci started this rollout and may not approve it too (expected: another token's name, since auth.require_distinct_approver is true)");
    assertThat(transition(RolloutMachine.approve(waiting, "ci", false, T0)).kind()).isEqualTo(Kind.APPROVED);
    assertThat(transition(RolloutMachine.approve(waiting, "sre", true, T0)).kind()).isEqualTo(Kind.APPROVED);
  }

  @Test
  void refusesAnApprovalWhenNothingWaitsForOne() {
    assertThat(refusal(RolloutMachine.approve(started(PLAIN), "sre", false, T0)))
        .isEqualTo("the rollout of v9 is running, not awaiting approval (expected: a rollout whose next step waits for approval)");
  }

  @Test
  void aPausedRolloutHoldsItsStepButStillRollsBack() {
    Rollout paused = transition(RolloutMachine.pause(started(PLAIN))).next();
    assertThat(paused.status()).isEqualTo(RolloutStatus.PAUSED);
    assertThat(paused.percent()).isEqualTo(5);
    assertThat(paused.nextAt()).isEmpty();

    Stay held = stay(RolloutMachine.evaluate(paused, POLICY, PASSING, at(Duration.ofDays(1))));
    assertThat(held.verdict()).isEqualTo(Verdict.PASS);
    assertThat(held.next()).isEqualTo(paused);
    assertThat(held.reason()).isEqualTo("paused at step 1 (5 %)");

    Rollout once = stay(RolloutMachine.evaluate(paused, POLICY, BREACHING, at(Duration.ofSeconds(5)))).next();
    assertThat(transition(RolloutMachine.evaluate(once, POLICY, BREACHING, at(Duration.ofSeconds(10)))).kind()).isEqualTo(Kind.ROLLED_BACK);
  }

  @Test
  void aResumedStepThatHadItsTimeAdvancesAtTheNextPassingEvaluation() {
    Rollout paused = transition(RolloutMachine.pause(started(PLAIN))).next();
    Transition resumed = transition(RolloutMachine.resume(paused));
    assertThat(resumed.kind()).isEqualTo(Kind.RESUMED);
    assertThat(resumed.kind().action()).isEqualTo("rollout_resumed");
    assertThat(resumed.next().enteredAt()).isEqualTo(T0);

    assertThat(transition(RolloutMachine.evaluate(resumed.next(), POLICY, PASSING, at(INTERVAL))).next().step()).isEqualTo(2);
  }

  @Test
  void refusesPauseAndResumeWhereTheyMeanNothing() {
    Rollout running = started(PLAIN);
    Rollout paused = transition(RolloutMachine.pause(running)).next();
    Rollout waiting = started(plan(List.of(5), null, null));

    assertThat(refusal(RolloutMachine.pause(paused))).isEqualTo("the rollout of v9 is paused already (expected: resume or abort it)");
    assertThat(refusal(RolloutMachine.pause(waiting)))
        .isEqualTo("the rollout of v9 waits for approval already, which holds it (expected: approve or abort it)");
    assertThat(refusal(RolloutMachine.resume(running)))
        .isEqualTo("the rollout of v9 is running, not paused (expected: a paused rollout)");
    assertThat(refusal(RolloutMachine.resume(waiting)))
        .isEqualTo("the rollout of v9 is awaiting_approval, not paused (expected: a paused rollout)");
  }

  @Test
  void abortsFromEveryLiveStateBackToFrom() {
    Rollout running = started(PLAIN);
    for (Rollout live : List.of(running, transition(RolloutMachine.pause(running)).next(), started(plan(List.of(5), null, null)))) {
      Transition abort = transition(RolloutMachine.abort(live));
      assertThat(abort.kind()).isEqualTo(Kind.ABORTED);
      assertThat(abort.kind().action()).isEqualTo("rollout_aborted");
      assertThat(abort.next().status()).isEqualTo(RolloutStatus.ABORTED);
      assertThat(abort.next().weights()).containsExactly(Map.entry("v7", 100), Map.entry("v9", 0));
      assertThat(abort.next().stable()).isEqualTo("v7");
    }
  }

  @Test
  void anEndedRolloutRefusesEveryCommandAndIgnoresEveryEvaluation() {
    Rollout aborted = transition(RolloutMachine.abort(started(PLAIN))).next();
    String ended = "the rollout of v9 is aborted (expected: a rollout in progress)";

    assertThat(refusal(RolloutMachine.pause(aborted))).isEqualTo(ended);
    assertThat(refusal(RolloutMachine.resume(aborted))).isEqualTo(ended);
    assertThat(refusal(RolloutMachine.approve(aborted, "sre", false, T0))).isEqualTo(ended);
    assertThat(refusal(RolloutMachine.abort(aborted))).isEqualTo(ended);
    assertThat(stay(RolloutMachine.evaluate(aborted, POLICY, BREACHING, at(INTERVAL))).next()).isEqualTo(aborted);
    assertThat(stay(RolloutMachine.evaluate(aborted, POLICY, PASSING, at(INTERVAL))).next()).isEqualTo(aborted);
  }

  @Test
  void theShadowPhaseLastsItsOwnDurationNotTheStepInterval() {
    Rollout shadow = started(plan(List.of(), new ShadowPhase(10, Duration.ofMinutes(1)), null));

    Transition out = transition(RolloutMachine.evaluate(shadow, POLICY, PASSING, at(Duration.ofMinutes(1))));

    assertThat(out.next().phase()).isEqualTo(RolloutPhase.STEP);
    assertThat(out.next().step()).isEqualTo(1);
    assertThat(out.reason()).startsWith("the shadow phase (10 % mirrored) passed:");
  }

  @Test
  void refusesAStateThePlanCannotHave() {
    assertThatThrownBy(() -> new Rollout("v9", "v7", PLAIN, RolloutStatus.RUNNING, RolloutPhase.SHADOW, 0, T0, T0, "ci", 0))
        .hasMessage("phase: shadow (expected: a phase the plan has)");
    assertThatThrownBy(() -> new Rollout("v9", "v7", PLAIN, RolloutStatus.RUNNING, RolloutPhase.STEP, 5, T0, T0, "ci", 0))
        .hasMessage("step: 5 in phase step (expected: 0 outside the step phase, else 0 to 4)");
    assertThatThrownBy(() -> new Rollout("v7", "v7", PLAIN, RolloutStatus.RUNNING, RolloutPhase.STEP, 1, T0, T0, "ci", 0))
        .hasMessage("version: v7 (expected: another version than from, v7)");
  }

  @Test
  void evidenceIsOnlyForRollbacks() {
    Rollout rollout = started(PLAIN);
    assertThatThrownBy(() -> new Transition(Kind.ROLLED_BACK, rollout, "r", List.of()))
        .hasMessageContaining("expected: evidence exactly for a rollback");
    Evidence evidence = new Evidence("v9", ERRORING, "v7", HEALTHY, POLICY, Set.of(Rule.ERROR_RATE), 2);
    assertThatThrownBy(() -> new Transition(Kind.ADVANCED, rollout, "r", List.of(evidence)))
        .hasMessageContaining("expected: evidence exactly for a rollback");
  }
}
