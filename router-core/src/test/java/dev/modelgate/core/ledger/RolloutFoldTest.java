package dev.modelgate.core.ledger;

import static dev.modelgate.core.ledger.Events.MODEL;
import static dev.modelgate.core.ledger.Events.PROD;
import static dev.modelgate.core.ledger.Events.T0;
import static dev.modelgate.core.ledger.Events.alias;
import static dev.modelgate.core.ledger.Events.config;
import static dev.modelgate.core.ledger.Events.move;
import static dev.modelgate.core.ledger.Events.routing;
import static dev.modelgate.core.ledger.Events.state;
import static dev.modelgate.core.registry.Registries.model;
import static dev.modelgate.core.registry.Registries.slo;
import static dev.modelgate.core.registry.Registries.version;
import static dev.modelgate.core.registry.Registries.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutMachine;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.rollout.Transition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How rollout events fold: the alias's rollout and its weights move together, and nothing else moves them meanwhile. */
class RolloutFoldTest {
  private static final RolloutPlan PLAN = new RolloutPlan(List.of(10, 50, 100), Duration.ofMinutes(10), 100, List.of(), null, null);

  private static Model declared(int v7) {
    Alias production = new Alias(PROD, weights("v7", v7, "v8", 100 - v7), "v7", 1, slo(), null);
    return model(MODEL, List.of(version("v7", "http://127.0.0.1:9001"), version("v8", "http://127.0.0.1:9002")), List.of(production));
  }

  /** Production at v7 100 %, then a rollout of v8 started at seq 2. */
  private static Registry rollingOut() {
    Registry seeded = RegistryFold.apply(Registry.EMPTY, config(1, null, declared(100)));
    return RegistryFold.apply(seeded, transition(2, seeded, start(seeded)));
  }

  private static Transition start(Registry registry) {
    return (Transition) RolloutMachine.start(alias(registry, PROD).rollout(), PLAN, "v8", "v7", "ops", T0);
  }

  private static AuditEvent transition(long seq, Registry registry, Transition transition) {
    AliasState before = state(registry, PROD);
    return move(seq, Action.of(transition.kind()), PROD, before, before.with(transition.next()));
  }

  @Test
  void aStartedRolloutSendsTheFirstStepToTheCandidateAndIsPartOfTheAlias() {
    Registry registry = rollingOut();

    Alias production = alias(registry, PROD);
    assertThat(production.weights()).isEqualTo(Map.of("v7", 90, "v8", 10));
    assertThat(production.stable()).isEqualTo("v7");
    assertThat(production.revision()).isEqualTo(2);
    assertThat(production.rollout().step()).isEqualTo(1);
    assertThat(production.rollout().startedBy()).isEqualTo("ops");
  }

  @Test
  void anAbortedRolloutGivesTheStableVersionEverythingAndLeavesTheCandidateOut() {
    Registry registry = rollingOut();
    Registry aborted = RegistryFold.apply(registry, transition(3, registry, (Transition) RolloutMachine.abort(alias(registry, PROD).rollout())));

    assertThat(alias(aborted, PROD).weights()).isEqualTo(Map.of("v7", 100));
    assertThat(alias(aborted, PROD).rollout().status().wireName()).isEqualTo("aborted");
  }

  @Test
  void refusesARolloutEventWhoseWeightsAreNotWhatTheRolloutImplies() {
    Registry registry = rollingOut();
    Rollout paused = ((Transition) RolloutMachine.pause(alias(registry, PROD).rollout())).next();
    AliasState before = state(registry, PROD);
    AliasState lying = new AliasState(weights("v7", 50, "v8", 50), "v7", 3, paused);

    assertThatThrownBy(() -> RegistryFold.apply(registry, move(3, Action.ROLLOUT_PAUSED, PROD, before, lying)))
        .hasMessageContaining("models.support-agent.aliases.production: weights {v7=50, v8=50} stable v7 (expected: {v7=90, v8=10} stable v7,"
            + " what the rollout implies)");
  }

  @Test
  void refusesHandMovesAndASecondStartWhileARolloutRuns() {
    Registry registry = rollingOut();
    AliasState before = state(registry, PROD);

    assertThatThrownBy(() -> RegistryFold.apply(registry, move(3, Action.SET_WEIGHTS, PROD, before, routing("v7", 3, "v7", 50, "v8", 50))))
        .hasMessageContaining("a rollout of v8 is running (expected: abort it before moving the alias by hand)");
    assertThatThrownBy(() -> RegistryFold.apply(registry, move(3, Action.AUTO_ROLLBACK, PROD, before, before.allOn("v7"))))
        .hasMessageContaining("a rollout of v8 is running");
    Rollout again = new Rollout("v8", "v7", PLAN, dev.modelgate.core.rollout.RolloutStatus.RUNNING, dev.modelgate.core.rollout.RolloutPhase.STEP,
        1, T0.plusSeconds(5), T0.plusSeconds(5), "ops", 0);
    assertThatThrownBy(() -> RegistryFold.apply(registry, move(3, Action.ROLLOUT_STARTED, PROD, before, before.with(again))))
        .hasMessageContaining("a rollout of v8 is running already (expected: abort it first)");
  }

  @Test
  void refusesARolloutCommandWhenNoneRuns() {
    Registry registry = rollingOut();
    Registry aborted = RegistryFold.apply(registry, transition(3, registry, (Transition) RolloutMachine.abort(alias(registry, PROD).rollout())));
    Rollout ended = alias(aborted, PROD).rollout();
    AliasState before = state(aborted, PROD);

    assertThatThrownBy(() -> RegistryFold.apply(aborted, move(4, Action.ROLLOUT_RESUMED, PROD, before, before.with(ended))))
        .hasMessageContaining("no rollout in progress (expected: rollout_resumed of a started rollout)");
  }

  @Test
  void aConfigEditOfTheWeightsDuringARolloutLeavesItsWeightsAndAHandMoveAfterItKeepsTheFinishedRollout() {
    Registry registry = rollingOut();

    Registry edited = RegistryFold.apply(registry, config(3, declared(100), declared(80)));
    assertThat(alias(edited, PROD).weights()).isEqualTo(Map.of("v7", 90, "v8", 10));
    assertThat(alias(edited, PROD).rollout()).isEqualTo(alias(registry, PROD).rollout());

    Registry aborted = RegistryFold.apply(edited, transition(4, edited, (Transition) RolloutMachine.abort(alias(edited, PROD).rollout())));
    AliasState before = state(aborted, PROD);
    Registry moved = RegistryFold.apply(aborted, move(5, Action.SET_WEIGHTS, PROD, before, new AliasState(Map.of("v7", 60, "v8", 40), "v7", before.revision() + 1)));
    assertThat(alias(moved, PROD).weights()).isEqualTo(Map.of("v7", 60, "v8", 40));
    assertThat(alias(moved, PROD).rollout()).isEqualTo(alias(aborted, PROD).rollout());
  }
}
