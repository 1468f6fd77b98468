package dev.modelgate.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** A restarted guard gets its cooldowns from the ledger and its breach runs from the saved checkpoint. */
class GuardMemoryTest {
  private static final long SECOND = 1_000_000_000L;
  private static final Duration WINDOW = Duration.ofSeconds(60);
  private static final Duration COOLDOWN = Duration.ofMinutes(10);
  private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
  private static final String MODEL = "support-agent";

  private static final WindowSnapshot HEALTHY = WindowSnapshot.of(200, 2, Duration.ofMillis(300), Duration.ofMillis(800));
  private static final WindowSnapshot ERRORING = WindowSnapshot.of(120, 18, Duration.ofMillis(300), Duration.ofMillis(900));
  private static final WindowSnapshot FILLING = WindowSnapshot.of(10, 5, Duration.ofMillis(300), Duration.ofMillis(900));

  private static Alias canary(int breachesToRevert) {
    SloPolicy policy = new SloPolicy(WINDOW, Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), null, breachesToRevert, COOLDOWN);
    return new Alias("production", Map.of("v7", 90, "v8", 10), "v7", 3, policy, null);
  }

  private static AuditEvent autoRollback(long seq, Instant time) {
    AliasState before = new AliasState(Map.of("v7", 90, "v8", 10), "v7", 2);
    return new AuditEvent(seq, time, "slo-guard", Action.AUTO_ROLLBACK, MODEL, "production",
        new Change.AliasChanged(before, before.allOn("v7")), "v8 breached error_rate", Map.of());
  }

  private static AuditEvent setWeights(long seq, Instant time) {
    AliasState before = new AliasState(Map.of("v7", 100), "v7", 3);
    return new AuditEvent(seq, time, "ops", Action.SET_WEIGHTS, MODEL, "production",
        new Change.AliasChanged(before, new AliasState(Map.of("v7", 90, "v8", 10), "v7", 4)), "try again", Map.of());
  }

  private static BreachRuns runs(Instant seenAt, int v8) {
    return new BreachRuns(MODEL, "production", seenAt, Map.of("v8", v8));
  }

  private static Decision judge(Alias alias, WindowSnapshot canary, RolloutState state, long now) {
    return RolloutDecider.decide(alias, Map.of("v7", HEALTHY, "v8", canary), state, now);
  }

  @Test
  void restartedInsideTheCooldownHoldsExactlyUntilItEnds() {
    Alias alias = canary(1);
    GuardMemory memory = GuardMemory.of(List.of(autoRollback(1, T0), setWeights(2, T0.plusSeconds(30))), List.of());
    // Restarted 3 minutes after the rollback, on a ticker whose origin has nothing to do with the wall clock.
    long tickerAtRestart = Long.MAX_VALUE - 60 * SECOND;
    RolloutState restored = memory.restore(MODEL, alias, T0.plus(Duration.ofMinutes(3)), tickerAtRestart);

    long cooldownEnds = tickerAtRestart + Duration.ofMinutes(7).toNanos();
    assertThat(judge(alias, ERRORING, restored, tickerAtRestart)).isInstanceOf(Hold.class);
    assertThat(judge(alias, ERRORING, restored, cooldownEnds - 1)).isInstanceOf(Hold.class);
    assertThat(judge(alias, ERRORING, restored, cooldownEnds)).isInstanceOf(Rollback.class);
  }

  @Property
  void holdsIffLessThanTheCooldownHasPassedSinceTheLedgersLastAutoRollback(
      @ForAll @LongRange(min = 0, max = 1_200) long secondsToRestart,
      @ForAll @LongRange(min = 0, max = 1_200) long secondsAfterRestart,
      @ForAll long tickerAtRestart) {
    Alias alias = canary(1);
    GuardMemory memory = GuardMemory.of(List.of(autoRollback(1, T0.minusSeconds(3_600)), autoRollback(2, T0)), List.of());

    RolloutState restored = memory.restore(MODEL, alias, T0.plusSeconds(secondsToRestart), tickerAtRestart);
    Decision decision = judge(alias, ERRORING, restored, tickerAtRestart + secondsAfterRestart * SECOND);

    boolean inCooldown = secondsToRestart + secondsAfterRestart < COOLDOWN.toSeconds();
    assertThat(decision).isInstanceOf(inCooldown ? Hold.class : Rollback.class);
  }

  @Test
  void countsARollbackStampedAheadOfTheWallClockAsJustMade() {
    Alias alias = canary(1);
    GuardMemory memory = GuardMemory.of(List.of(autoRollback(1, T0.plusSeconds(120))), List.of());

    RolloutState restored = memory.restore(MODEL, alias, T0, 0);

    assertThat(restored.lastRollbackNanos()).isZero();
    assertThat(judge(alias, ERRORING, restored, COOLDOWN.toNanos() - 1)).isInstanceOf(Hold.class);
  }

  @Test
  void startsWithoutACooldownWhenTheLedgerHasNoAutoRollback() {
    GuardMemory memory = GuardMemory.of(List.of(setWeights(1, T0)), List.of());

    assertThat(memory.restore(MODEL, canary(2), T0.plusSeconds(1), 42)).isEqualTo(RolloutState.INITIAL);
    assertThat(memory.lastAutoRollback(MODEL, "production")).isNull();
  }

  @Test
  void carriesARunOverARestartUntilTheRefilledWindowJudgesTheVersionAgain() {
    Alias alias = canary(2);
    GuardMemory memory = GuardMemory.of(List.of(), List.of(runs(T0, 1)));
    long restart = 5 * SECOND;
    RolloutState state = memory.restore(MODEL, alias, T0.plusSeconds(2), restart);
    assertThat(state).isEqualTo(new RolloutState(Map.of("v8", 1), null, restart));

    // The windows restarted empty: evaluations on too few requests neither end nor extend the run.
    for (long now = restart + 5 * SECOND; now < restart + 30 * SECOND; now += 5 * SECOND) {
      Decision filling = judge(alias, FILLING, state, now);
      assertThat(filling).isEqualTo(new Hold(new RolloutState(Map.of("v8", 1), null, restart)));
      state = filling.next();
    }

    assertThat(judge(alias, ERRORING, state, restart + 30 * SECOND)).isInstanceOf(Rollback.class);
  }

  @Test
  void endsACarriedRunThatTheWindowDidNotJudgeWithinOneWindowOfTheRestart() {
    Alias alias = canary(2);
    RolloutState state = GuardMemory.of(List.of(), List.of(runs(T0, 1))).restore(MODEL, alias, T0, 0);

    Decision quiet = judge(alias, FILLING, state, WINDOW.toNanos());

    assertThat(quiet).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void endsACarriedRunWhenTheRefilledWindowFindsTheVersionHealthy() {
    Alias alias = canary(2);
    RolloutState state = GuardMemory.of(List.of(), List.of(runs(T0, 1))).restore(MODEL, alias, T0, 0);

    assertThat(judge(alias, HEALTHY, state, 10 * SECOND)).isEqualTo(new Hold(RolloutState.INITIAL));
  }

  @Test
  void dropsRunsSeenMoreThanOneWindowBeforeTheRestart() {
    GuardMemory memory = GuardMemory.of(List.of(), List.of(runs(T0, 1)));

    assertThat(memory.restore(MODEL, canary(2), T0.plus(WINDOW).minusNanos(1), 7)).isEqualTo(new RolloutState(Map.of("v8", 1), null, 7L));
    assertThat(memory.restore(MODEL, canary(2), T0.plus(WINDOW), 7)).isEqualTo(RolloutState.INITIAL);
  }

  @Test
  void treatsRunsSavedBeforeTheLastAutoRollbackAsSpent() {
    Instant rolledBack = T0.plusSeconds(10);
    GuardMemory spent = GuardMemory.of(List.of(autoRollback(1, rolledBack)), List.of(runs(T0, 1)));
    GuardMemory fresh = GuardMemory.of(List.of(autoRollback(1, rolledBack)), List.of(runs(rolledBack.plusSeconds(1), 1)));

    assertThat(spent.runs(MODEL, "production")).isNull();
    assertThat(fresh.runs(MODEL, "production")).isEqualTo(runs(rolledBack.plusSeconds(1), 1));
    // Once the cooldown is over, fresh runs come back and spent ones do not.
    Instant afterCooldown = rolledBack.plus(COOLDOWN).plusSeconds(2);
    assertThat(spent.restore(MODEL, canary(2), afterCooldown, 0)).isEqualTo(RolloutState.INITIAL);
    assertThat(spent.withRuns(runs(afterCooldown.minusSeconds(1), 1)).restore(MODEL, canary(2), afterCooldown, 0).consecutiveBreaches("v8"))
        .isEqualTo(1);
  }

  @Test
  void forgetsAnAliasesRunsWhenEmptyRunsAreSaved() {
    GuardMemory memory = GuardMemory.EMPTY.withRuns(runs(T0, 1)).withRuns(new BreachRuns(MODEL, "production", T0.plusSeconds(5), Map.of()));

    assertThat(memory.runs(MODEL, "production")).isNull();
    assertThat(memory.restore(MODEL, canary(2), T0.plusSeconds(6), 0)).isEqualTo(RolloutState.INITIAL);
  }

  @Test
  void keepsEachAliasToItself() {
    GuardMemory memory = GuardMemory.of(List.of(autoRollback(1, T0)), List.of(new BreachRuns(MODEL, "staging", T0.plusSeconds(1), Map.of("v9", 1))));

    assertThat(memory.lastAutoRollback(MODEL, "staging")).isNull();
    assertThat(memory.lastAutoRollback("other-model", "production")).isNull();
    assertThat(memory.runs(MODEL, "production")).isNull();
    assertThat(memory.runs(MODEL, "staging").runs()).isEqualTo(Map.of("v9", 1));
  }

  @Test
  void aNewLeaderTakesOverTheStoresRunsAndForgetsItsOwnStaleOnes() {
    BreachRuns other = new BreachRuns(MODEL, "staging", T0, Map.of("v9", 2));
    GuardMemory follower = GuardMemory.of(List.of(), List.of(runs(T0, 1), other));

    GuardMemory leader = follower.withSavedRuns(List.of(runs(T0.plusSeconds(5), 2)));

    assertThat(leader.runs(MODEL, "production")).isEqualTo(runs(T0.plusSeconds(5), 2));
    assertThat(leader.runs(MODEL, "staging")).as("ended by the previous leader").isNull();
  }

  @Test
  void takenOverRunsAreSpentByARollbackAfterThem() {
    GuardMemory memory = GuardMemory.of(List.of(autoRollback(1, T0.plusSeconds(10))), List.of());

    GuardMemory leader = memory.withSavedRuns(List.of(runs(T0, 1)));

    assertThat(leader.runs(MODEL, "production")).isNull();
    assertThat(leader.lastAutoRollback(MODEL, "production")).isEqualTo(T0.plusSeconds(10));
  }
}
