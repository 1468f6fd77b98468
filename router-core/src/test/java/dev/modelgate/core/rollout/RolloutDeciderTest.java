package dev.modelgate.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class RolloutDeciderTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long EVALUATION = 5 * SECOND;
  private static final long COOLDOWN = 600 * SECOND;

  private static final WindowSnapshot HEALTHY = WindowSnapshot.of(200, 2, Duration.ofMillis(300), Duration.ofMillis(800));
  private static final WindowSnapshot ERRORING = WindowSnapshot.of(120, 18, Duration.ofMillis(300), Duration.ofMillis(900));
  private static final WindowSnapshot SLOW = WindowSnapshot.of(80, 0, Duration.ofMillis(1_200), Duration.ofMillis(2_600));

  private static SloPolicy policy(Double relativeToStable, int breachesToRevert) {
    return new SloPolicy(
        Duration.ofSeconds(60), Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), relativeToStable, breachesToRevert, Duration.ofMinutes(10));
  }

  private static final SloPolicy POLICY = policy(null, 2);

  /** An alias with stable v7 and the given weights, in the order given. */
  private static Alias alias(SloPolicy policy, Object... versionsAndWeights) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (int i = 0; i < versionsAndWeights.length; i += 2) {
      weights.put((String) versionsAndWeights[i], (Integer) versionsAndWeights[i + 1]);
    }
    return new Alias("production", weights, "v7", 3, policy, null);
  }

  private static final Alias CANARY = alias(POLICY, "v7", 90, "v8", 10);

  private static Decision decide(Alias alias, WindowSnapshot stable, WindowSnapshot canary, RolloutState state, long now) {
    return RolloutDecider.decide(alias, Map.of("v7", stable, "v8", canary), state, now);
  }

  @Test
  void holdsAVersionWithFewerThanMinRequestsHoweverBadItLooks() {
    WindowSnapshot quietAndBroken = WindowSnapshot.of(49, 49, Duration.ofSeconds(30), Duration.ofSeconds(60));
    RolloutState state = RolloutState.INITIAL;
    for (int i = 0; i < 10; i++) {
      Decision decision = decide(CANARY, HEALTHY, quietAndBroken, state, i * EVALUATION);
      assertThat(decision).isEqualTo(new Hold(RolloutState.INITIAL));
      state = decision.next();
    }
  }

  @Test
  void judgesAVersionWithExactlyMinRequests() {
    WindowSnapshot justEnough = WindowSnapshot.of(50, 50, Duration.ofSeconds(1), Duration.ofSeconds(1));

    Decision decision = decide(CANARY, HEALTHY, justEnough, RolloutState.INITIAL, 0);

    assertThat(decision.next().consecutiveBreaches("v8")).isEqualTo(1);
  }

  @Test
  void rollsBackCanaryAfterTwoFailingEvaluationsOfErrors() {
    Decision first = decide(CANARY, HEALTHY, ERRORING, RolloutState.INITIAL, 0);
    assertThat(first).isEqualTo(new Hold(new RolloutState(Map.of("v8", 1), null)));

    Decision second = decide(CANARY, HEALTHY, ERRORING, first.next(), EVALUATION);
    assertThat(second).isInstanceOf(Rollback.class);
    Rollback rollback = (Rollback) second;
    assertThat(rollback.version()).isEqualTo("v8");
    assertThat(rollback.evidence()).singleElement().extracting(Evidence::breached).isEqualTo(Set.of(Rule.ERROR_RATE));
    assertThat(rollback.next()).isEqualTo(new RolloutState(Map.of(), EVALUATION));
  }

  @Test
  void rollsBackCanaryAfterTwoFailingEvaluationsOfLatency() {
    Decision first = decide(CANARY, HEALTHY, SLOW, RolloutState.INITIAL, 0);
    Decision second = decide(CANARY, HEALTHY, SLOW, first.next(), EVALUATION);

    assertThat(first).isInstanceOf(Hold.class);
    assertThat(((Rollback) second).evidence().get(0).breached()).containsExactly(Rule.P99_LATENCY);
  }

  @Test
  void namesBothRulesWhenBothAreBreached() {
    WindowSnapshot erroringAndSlow = WindowSnapshot.of(100, 10, Duration.ofSeconds(1), Duration.ofSeconds(3));
    Alias strict = alias(policy(null, 1), "v7", 90, "v8", 10);

    Decision decision = decide(strict, HEALTHY, erroringAndSlow, RolloutState.INITIAL, 0);

    assertThat(((Rollback) decision).evidence().get(0).breached()).containsExactly(Rule.ERROR_RATE, Rule.P99_LATENCY);
  }

  @Test
  void doesNotBreachExactlyAtTheThresholds() {
    WindowSnapshot atTheLimits = WindowSnapshot.of(100, 5, Duration.ofSeconds(1), Duration.ofSeconds(2));
    Alias strict = alias(policy(null, 1), "v7", 90, "v8", 10);

    assertThat(decide(strict, HEALTHY, atTheLimits, RolloutState.INITIAL, 0)).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void needsExactlyBreachesToRevertConsecutiveFailingEvaluations() {
    Alias patient = alias(policy(null, 3), "v7", 90, "v8", 10);

    Decision first = decide(patient, HEALTHY, ERRORING, RolloutState.INITIAL, 0);
    Decision second = decide(patient, HEALTHY, ERRORING, first.next(), EVALUATION);
    Decision third = decide(patient, HEALTHY, ERRORING, second.next(), 2 * EVALUATION);

    assertThat(first).isEqualTo(new Hold(new RolloutState(Map.of("v8", 1), null)));
    assertThat(second).isEqualTo(new Hold(new RolloutState(Map.of("v8", 2), null)));
    assertThat(third).isInstanceOf(Rollback.class);
    assertThat(((Rollback) third).evidence().get(0).consecutiveBreaches()).isEqualTo(3);
  }

  @Test
  void startsTheCountAgainAfterAHealthyEvaluation() {
    Decision breach = decide(CANARY, HEALTHY, ERRORING, RolloutState.INITIAL, 0);
    Decision healthy = decide(CANARY, HEALTHY, HEALTHY, breach.next(), EVALUATION);
    Decision breachAgain = decide(CANARY, HEALTHY, ERRORING, healthy.next(), 2 * EVALUATION);
    Decision secondInARow = decide(CANARY, HEALTHY, ERRORING, breachAgain.next(), 3 * EVALUATION);

    assertThat(healthy).isEqualTo(new Hold(RolloutState.INITIAL));
    assertThat(breachAgain).isEqualTo(new Hold(new RolloutState(Map.of("v8", 1), null)));
    assertThat(secondInARow).isInstanceOf(Rollback.class);
  }

  @Test
  void startsTheCountAgainAfterAnEvaluationWithTooFewRequests() {
    Decision breach = decide(CANARY, HEALTHY, ERRORING, RolloutState.INITIAL, 0);
    Decision quiet = decide(CANARY, HEALTHY, WindowSnapshot.of(10, 10, Duration.ZERO, Duration.ZERO), breach.next(), EVALUATION);
    Decision breachAgain = decide(CANARY, HEALTHY, ERRORING, quiet.next(), 2 * EVALUATION);

    assertThat(breachAgain).isEqualTo(new Hold(new RolloutState(Map.of("v8", 1), null)));
  }

  @Test
  void relativeToStableSuppressesAnOutageSharedWithStable() {
    Alias relative = alias(policy(2.0, 1), "v7", 90, "v8", 10);
    WindowSnapshot stableDown = WindowSnapshot.of(900, 180, Duration.ofSeconds(2), Duration.ofSeconds(3));
    WindowSnapshot canaryDown = WindowSnapshot.of(100, 30, Duration.ofSeconds(3), Duration.ofSeconds(5));

    assertThat(decide(relative, stableDown, canaryDown, RolloutState.INITIAL, 0)).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void relativeToStableStillRevertsAnOutageOfTheCanaryAlone() {
    Alias relative = alias(policy(2.0, 1), "v7", 90, "v8", 10);
    WindowSnapshot stableFine = WindowSnapshot.of(900, 18, Duration.ofMillis(500), Duration.ofMillis(1_500));
    WindowSnapshot canaryDown = WindowSnapshot.of(100, 5, Duration.ofSeconds(1), Duration.ofMillis(3_001));
    WindowSnapshot canarySlow = WindowSnapshot.of(100, 0, Duration.ofSeconds(1), Duration.ofMillis(3_000));

    Decision errors = decide(relative, stableFine, WindowSnapshot.of(100, 6, Duration.ofSeconds(1), Duration.ofSeconds(1)), RolloutState.INITIAL, 0);
    Decision latency = decide(relative, stableFine, canaryDown, RolloutState.INITIAL, 0);
    Decision notTwiceAsSlow = decide(relative, stableFine, canarySlow, RolloutState.INITIAL, 0);

    assertThat(((Rollback) errors).evidence().get(0).breached()).containsExactly(Rule.ERROR_RATE);
    assertThat(((Rollback) latency).evidence().get(0).breached()).containsExactly(Rule.P99_LATENCY);
    assertThat(notTwiceAsSlow).isInstanceOf(Hold.class);
  }

  @Test
  void relativeToStableCannotSuppressWithoutABaseline() {
    Alias relative = alias(policy(2.0, 1), "v7", 5, "v8", 95);
    WindowSnapshot quietStable = WindowSnapshot.of(49, 49, Duration.ofSeconds(9), Duration.ofSeconds(9));

    Decision decision = decide(relative, quietStable, ERRORING, RolloutState.INITIAL, 0);

    assertThat(decision).isInstanceOf(Rollback.class);
  }

  @Test
  void holdsThroughTheCooldownAndJudgesAfreshOnceItHasPassed() {
    long rolledBackAt = 7 * SECOND;
    RolloutState afterRollback = decide(CANARY, HEALTHY, ERRORING, new RolloutState(Map.of("v8", 1), null), rolledBackAt).next();
    assertThat(afterRollback).isEqualTo(new RolloutState(Map.of(), rolledBackAt));

    RolloutState state = afterRollback;
    for (long now = rolledBackAt + EVALUATION; now < rolledBackAt + COOLDOWN; now += EVALUATION) {
      Decision decision = decide(CANARY, HEALTHY, ERRORING, state, now);
      assertThat(decision).isEqualTo(new Hold(afterRollback));
      state = decision.next();
    }
    assertThat(decide(CANARY, HEALTHY, ERRORING, new RolloutState(Map.of("v8", 5), rolledBackAt), rolledBackAt + COOLDOWN - 1))
        .isEqualTo(new Hold(afterRollback));

    Decision first = decide(CANARY, HEALTHY, ERRORING, state, rolledBackAt + COOLDOWN);
    Decision second = decide(CANARY, HEALTHY, ERRORING, first.next(), rolledBackAt + COOLDOWN + EVALUATION);
    assertThat(first).isEqualTo(new Hold(new RolloutState(Map.of("v8", 1), rolledBackAt)));
    assertThat(second).isInstanceOf(Rollback.class);
    assertThat(second.next().lastRollbackNanos()).isEqualTo(rolledBackAt + COOLDOWN + EVALUATION);
  }

  @Test
  void measuresTheCooldownAcrossATickerThatWrapsPastZero() {
    long rolledBackAt = -COOLDOWN / 2;
    RolloutState state = new RolloutState(Map.of(), rolledBackAt);
    Alias eager = alias(policy(null, 1), "v7", 90, "v8", 10);

    assertThat(decide(eager, HEALTHY, ERRORING, state, COOLDOWN / 2 - 1)).isInstanceOf(Hold.class);
    assertThat(decide(eager, HEALTHY, ERRORING, state, COOLDOWN / 2)).isInstanceOf(Rollback.class);
  }

  @Test
  void doesNotJudgeAVersionWithWeightZero() {
    Alias drained = alias(policy(null, 1), "v7", 100, "v8", 0);

    assertThat(decide(drained, HEALTHY, ERRORING, new RolloutState(Map.of("v8", 3), null), 0)).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void keepsARestoredRunThroughTooFewRequestsButNotThroughADrainedWeight() {
    WindowSnapshot filling = WindowSnapshot.of(10, 10, Duration.ZERO, Duration.ZERO);
    RolloutState restored = new RolloutState(Map.of("v8", 1), null, 0L);
    Alias drained = alias(POLICY, "v7", 100, "v8", 0);

    assertThat(decide(CANARY, HEALTHY, filling, restored, EVALUATION)).isEqualTo(new Hold(restored));
    assertThat(decide(drained, HEALTHY, filling, restored, EVALUATION)).isEqualTo(new Hold(RolloutState.INITIAL));
    assertThat(decide(CANARY, HEALTHY, filling, restored, 60 * SECOND)).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void neverJudgesStable() {
    Alias eager = alias(policy(null, 1), "v7", 90, "v8", 10);

    assertThat(decide(eager, ERRORING, HEALTHY, RolloutState.INITIAL, 0)).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void doesNotJudgeAVersionWithoutAWindow() {
    Alias eager = alias(policy(null, 1), "v7", 90, "v8", 10);

    assertThat(RolloutDecider.decide(eager, Map.of("v7", HEALTHY), RolloutState.INITIAL, 0)).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void forgetsRunsOfVersionsNoLongerInTheAlias() {
    Decision decision = decide(CANARY, HEALTHY, HEALTHY, new RolloutState(Map.of("v6", 1), null), 0);

    assertThat(decision).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void rollsBackOnceForEveryVersionThatReachedTheCount() {
    Alias threeWay = alias(POLICY, "v9", 10, "v7", 80, "v8", 10, "v10", 0);
    Map<String, WindowSnapshot> windows = Map.of("v7", HEALTHY, "v8", SLOW, "v9", ERRORING, "v10", ERRORING);

    Decision first = RolloutDecider.decide(threeWay, windows, RolloutState.INITIAL, 0);
    Decision second = RolloutDecider.decide(threeWay, windows, first.next(), EVALUATION);

    assertThat(first).isEqualTo(new Hold(new RolloutState(Map.of("v8", 1, "v9", 1), null)));
    Rollback rollback = (Rollback) second;
    assertThat(rollback.evidence()).extracting(Evidence::version).containsExactly("v9", "v8");
    assertThat(rollback.version()).isEqualTo("v9");
  }

  @Test
  void rollsBackOnlyForTheVersionsThatReachedTheCount() {
    Alias threeWay = alias(POLICY, "v7", 80, "v8", 10, "v9", 10);

    Decision decision = RolloutDecider.decide(
        threeWay, Map.of("v7", HEALTHY, "v8", SLOW, "v9", ERRORING), new RolloutState(Map.of("v8", 1), null), 0);

    assertThat(((Rollback) decision).evidence()).extracting(Evidence::version).containsExactly("v8");
  }

  @Test
  void carriesTheExactFiguresAsEvidence() {
    SloPolicy relative = policy(2.0, 2);
    Alias alias = alias(relative, "v7", 90, "v8", 10);
    WindowSnapshot stable = WindowSnapshot.of(1_000, 10, Duration.ofMillis(400), Duration.ofMillis(1_100));
    WindowSnapshot canary = WindowSnapshot.of(125, 25, Duration.ofMillis(700), Duration.ofMillis(2_300));

    Decision decision = decide(alias, stable, canary, new RolloutState(Map.of("v8", 1), null), 42);

    Evidence evidence = ((Rollback) decision).evidence().get(0);
    assertThat(evidence).isEqualTo(new Evidence("v8", canary, "v7", stable, relative, Set.of(Rule.ERROR_RATE, Rule.P99_LATENCY), 2));
    assertThat(evidence.window()).extracting(WindowSnapshot::requests, WindowSnapshot::failures, WindowSnapshot::errorRate, WindowSnapshot::p99)
        .containsExactly(125L, 25L, 0.2, Duration.ofMillis(2_300));
    assertThat(evidence.stableWindow()).extracting(WindowSnapshot::requests, WindowSnapshot::failures, WindowSnapshot::errorRate, WindowSnapshot::p99)
        .containsExactly(1_000L, 10L, 0.01, Duration.ofMillis(1_100));
    assertThat(evidence.policy()).extracting(SloPolicy::maxErrorRate, SloPolicy::maxP99Latency, SloPolicy::relativeToStable, SloPolicy::minRequests, SloPolicy::breachesToRevert)
        .containsExactly(0.05, Duration.ofSeconds(2), 2.0, 50, 2);
  }

  @Test
  void rejectsAnAliasWithoutAPolicy() {
    Alias unguarded = alias(null, "v7", 90, "v8", 10);

    assertThatThrownBy(() -> decide(unguarded, HEALTHY, ERRORING, RolloutState.INITIAL, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("alias production has no slo policy to decide by");
  }

  @Property
  void neverRollsBackOnSilence(
      @ForAll @IntRange(min = 0, max = 49) int requests,
      @ForAll @IntRange(min = 0, max = 49) int failures,
      @ForAll @LongRange(min = 0, max = 600_000) long p99Millis,
      @ForAll @IntRange(min = 0, max = 10) int run,
      @ForAll @IntRange(min = 1, max = 3) int breachesToRevert) {
    Alias alias = alias(policy(null, breachesToRevert), "v7", 50, "v8", 50);
    WindowSnapshot quiet = WindowSnapshot.of(requests, Math.min(failures, requests), Duration.ZERO, Duration.ofMillis(p99Millis));

    Decision decision = decide(alias, HEALTHY, quiet, new RolloutState(Map.of("v8", run), null), 0);

    assertThat(decision).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Property
  void neverRollsBackWithinTheCooldown(
      @ForAll @LongRange(min = Long.MIN_VALUE / 2, max = Long.MAX_VALUE / 2) long rolledBackAt,
      @ForAll @LongRange(min = 0, max = COOLDOWN - 1) long elapsed,
      @ForAll @IntRange(min = 0, max = 10) int run) {
    Alias eager = alias(policy(null, 1), "v7", 50, "v8", 50);

    Decision decision = decide(eager, HEALTHY, ERRORING, new RolloutState(Map.of("v8", run), rolledBackAt), rolledBackAt + elapsed);

    assertThat(decision).isEqualTo(new Hold(new RolloutState(Map.of(), rolledBackAt)));
  }
}
