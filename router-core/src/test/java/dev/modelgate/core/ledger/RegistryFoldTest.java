package dev.modelgate.core.ledger;

import static dev.modelgate.core.ledger.Events.MODEL;
import static dev.modelgate.core.ledger.Events.PROD;
import static dev.modelgate.core.ledger.Events.alias;
import static dev.modelgate.core.ledger.Events.config;
import static dev.modelgate.core.ledger.Events.move;
import static dev.modelgate.core.ledger.Events.register;
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
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.StickyKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryFoldTest {
  private static final ModelVersion V7 = version("v7", "http://127.0.0.1:9001");
  private static final ModelVersion V8 = version("v8", "http://127.0.0.1:9002");
  private static final ModelVersion V9 = version("v9", "http://127.0.0.1:9003");

  /** What a config file declares: v7 and v8, production at the given split with stable v7. */
  private static Model declared(int v7, int v8, ModelVersion... extra) {
    List<ModelVersion> versions = new ArrayList<>(List.of(V7, V8));
    versions.addAll(List.of(extra));
    Alias production = new Alias(PROD, weights("v7", v7, "v8", v8), "v7", 1, slo(), StickyKey.parse("header:x-session-id"));
    return model(MODEL, versions, List.of(production));
  }

  /** The declared model after the config event at seq 1: production at 90/10, revision 1. */
  private static Registry seeded() {
    return RegistryFold.apply(Registry.EMPTY, config(1, null, declared(90, 10)));
  }

  @Test
  void registeringTheFirstVersionCreatesTheModelWithDefaultAliasProduction() {
    Registry next = RegistryFold.apply(Registry.EMPTY, register(1, V7));

    Model model = next.models().get(MODEL);
    assertThat(model.defaultAlias()).isEqualTo("production");
    assertThat(model.versions()).containsExactly(Map.entry("v7", V7));
    assertThat(model.aliases()).isEmpty();
  }

  @Test
  void registeringAVersionAddsItAndLeavesAliasesAlone() {
    Registry next = RegistryFold.apply(seeded(), register(2, V9));

    assertThat(next.models().get(MODEL).versions()).containsOnlyKeys("v7", "v8", "v9");
    assertThat(alias(next, PROD)).isEqualTo(alias(seeded(), PROD));
  }

  @Test
  void registeringTheSameContentAgainChangesNothing() {
    Registry next = RegistryFold.apply(seeded(), register(2, V8));

    assertThat(next).isEqualTo(seeded());
  }

  @Test
  void refusesOtherContentUnderARegisteredVersionIdNamingItsPath() {
    ModelVersion moved = new ModelVersion("v8", "s3://other", "support-agent", List.of("http://127.0.0.1:9999"), null, Map.of(), null);

    assertThatThrownBy(() -> RegistryFold.apply(seeded(), register(2, moved)))
        .isInstanceOf(RefusedEventException.class)
        .hasMessageContaining("event seq 2 (register_version support-agent)")
        .hasMessageContaining("models.support-agent.versions.v8: already registered with other content (differs in: artifact, endpoints");
  }

  @Test
  void setWeightsMovesTheAliasByOneRevisionAndKeepsItsPolicy() {
    Registry next = RegistryFold.apply(seeded(), move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 50, "v8", 50)));

    Alias production = alias(next, PROD);
    assertThat(production.weights()).isEqualTo(weights("v7", 50, "v8", 50));
    assertThat(production.revision()).isEqualTo(2);
    assertThat(production.slo()).isEqualTo(slo());
    assertThat(production.sticky()).isEqualTo(StickyKey.parse("header:x-session-id"));
  }

  @Test
  void setWeightsCreatesANewAliasAtRevisionOne() {
    Registry next = RegistryFold.apply(seeded(), move(2, Action.SET_WEIGHTS, "candidate", null, routing("v8", 1, "v8", 100)));

    assertThat(alias(next, "candidate")).isEqualTo(new Alias("candidate", weights("v8", 100), "v8", 1, null, null));
  }

  @Test
  void refusesCreatingAnAliasThatExistsOrAtAnotherRevision() {
    assertThatThrownBy(() -> RegistryFold.apply(seeded(), move(2, Action.SET_WEIGHTS, PROD, null, routing("v8", 1, "v8", 100))))
        .hasMessageContaining("models.support-agent.aliases.production: already exists at revision 1");
    assertThatThrownBy(() -> RegistryFold.apply(seeded(), move(2, Action.SET_WEIGHTS, "candidate", null, routing("v8", 4, "v8", 100))))
        .hasMessageContaining("models.support-agent.aliases.candidate.revision: 4 (expected: 1 for a new alias)");
    assertThatThrownBy(() -> RegistryFold.apply(seeded(), move(2, Action.PROMOTE, "candidate", null, routing("v8", 1, "v8", 100))))
        .hasMessageContaining("no such alias (only set_weights creates one)");
  }

  @Test
  void promoteSendsEverythingToTheNewStableVersion() {
    Registry next = RegistryFold.apply(seeded(), move(2, Action.PROMOTE, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v8", 2, "v8", 100)));

    assertThat(state(next, PROD)).isEqualTo(routing("v8", 2, "v8", 100));
  }

  @Test
  void refusesAPromoteThatDoesNotEndAtAllOfTheNewStable() {
    AuditEvent halfway = move(2, Action.PROMOTE, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v8", 2, "v7", 50, "v8", 50));

    assertThatThrownBy(() -> RegistryFold.apply(seeded(), halfway)).hasMessageContaining("promote must end at 100 % of the promoted version");
  }

  @Test
  void rollbackAndAutoRollbackSendEverythingToStable() {
    AliasState before = routing("v7", 1, "v7", 90, "v8", 10);
    AliasState after = routing("v7", 2, "v7", 100);

    assertThat(state(RegistryFold.apply(seeded(), move(2, Action.ROLLBACK, PROD, before, after)), PROD)).isEqualTo(after);
    AuditEvent auto = move(2, Action.AUTO_ROLLBACK, PROD, before, after);
    assertThat(auto.evidence()).containsKey("canary");
    assertThat(state(RegistryFold.apply(seeded(), auto), PROD)).isEqualTo(after);
  }

  @Test
  void refusesARollbackThatChangesStable() {
    AuditEvent sideways = move(2, Action.ROLLBACK, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v8", 2, "v8", 100));

    assertThatThrownBy(() -> RegistryFold.apply(seeded(), sideways))
        .hasMessageContaining("models.support-agent.aliases.production.stable: rollback must keep stable 'v7' (got 'v8')");
  }

  @Test
  void refusesAStaleBefore() {
    Registry moved = RegistryFold.apply(seeded(), move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 80, "v8", 20)));
    AuditEvent stale = move(3, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 70, "v8", 30));

    assertThatThrownBy(() -> RegistryFold.apply(moved, stale))
        .isInstanceOfSatisfying(RefusedEventException.class, e -> assertThat(e.seq()).isEqualTo(3))
        .hasMessageContaining("event seq 3 (set_weights support-agent:production) refused")
        .hasMessageContaining("models.support-agent.aliases.production: stale before revision 1 {v7=90, v8=10} stable v7 (the alias is at revision 2 {v7=80, v8=20} stable v7)");
  }

  @Test
  void refusesARevisionThatDoesNotAddExactlyOne() {
    AuditEvent skip = move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 3, "v7", 80, "v8", 20));
    AuditEvent same = move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 1, "v7", 80, "v8", 20));

    assertThatThrownBy(() -> RegistryFold.apply(seeded(), skip)).hasMessageContaining("models.support-agent.aliases.production.revision: 3 (expected: 2, one more than before)");
    assertThatThrownBy(() -> RegistryFold.apply(seeded(), same)).hasMessageContaining("revision: 1 (expected: 2");
  }

  @Test
  void refusesAnUnknownVersionInWeightsWithTheRegistryRulesPath() {
    AuditEvent unknown = move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 90, "v9", 10));

    assertThatThrownBy(() -> RegistryFold.apply(seeded(), unknown))
        .isInstanceOfSatisfying(RefusedEventException.class, e -> assertThat(e.problems())
            .containsExactly("models.support-agent.aliases.production.weights.v9: names unknown version 'v9' (expected one of: v7, v8)"));
  }

  @Test
  void refusesWeightsThatDoNotSumTo100() {
    AuditEvent short95 = move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 90, "v8", 5));

    assertThatThrownBy(() -> RegistryFold.apply(seeded(), short95)).hasMessageContaining("models.support-agent.aliases.production.weights: sum is 95 (expected: 100)");
  }

  @Test
  void refusesMovingAnAliasOfAnUnknownModel() {
    AuditEvent orphan = move(1, Action.SET_WEIGHTS, PROD, null, routing("v7", 1, "v7", 100));

    assertThatThrownBy(() -> RegistryFold.apply(Registry.EMPTY, orphan)).hasMessageContaining("models.support-agent: no such model");
  }

  @Test
  void refusalLeavesTheGivenStateAsItWas() {
    Registry before = seeded();
    AuditEvent bad = move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 90, "v9", 10));

    assertThatThrownBy(() -> RegistryFold.apply(before, bad)).isInstanceOf(RefusedEventException.class);
    assertThat(before).isEqualTo(seeded());
  }

  @Test
  void configCreatesAModelAsDeclared() {
    assertThat(seeded().models()).containsExactly(Map.entry(MODEL, declared(90, 10)));
  }

  @Test
  void configRedeclarationThatLeavesAnAliasUnchangedKeepsItsRuntimeWeights() {
    Registry runtime = RegistryFold.apply(seeded(), move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 50, "v8", 50)));

    // A restart re-reads the same file; an edit adds a version but leaves production as it was.
    Registry restarted = RegistryFold.apply(runtime, config(3, declared(90, 10), declared(90, 10)));
    Registry edited = RegistryFold.apply(runtime, config(3, declared(90, 10), declared(90, 10, V9)));

    assertThat(state(restarted, PROD)).isEqualTo(routing("v7", 2, "v7", 50, "v8", 50));
    assertThat(state(edited, PROD)).isEqualTo(routing("v7", 2, "v7", 50, "v8", 50));
    assertThat(edited.models().get(MODEL).versions()).containsOnlyKeys("v7", "v8", "v9");
  }

  @Test
  void configEditThatChangesAnAliasAppliesItAtTheNextRevision() {
    Registry runtime = RegistryFold.apply(seeded(), move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 50, "v8", 50)));
    Model edit = model(MODEL, List.of(V7, V8), List.of(new Alias(PROD, weights("v7", 100), "v7", 1, null, StickyKey.parse("body:user"))));

    Registry next = RegistryFold.apply(runtime, config(3, declared(90, 10), edit));

    assertThat(alias(next, PROD)).isEqualTo(new Alias(PROD, weights("v7", 100), "v7", 3, null, StickyKey.parse("body:user")));
  }

  /** Runtime state: v9 registered, then production moved from 90/10 to 80/10/10. */
  private static Registry withThirdVersion() {
    Registry registered = RegistryFold.apply(seeded(), register(2, V9));
    return RegistryFold.apply(registered,
        move(3, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 80, "v8", 10, "v9", 10)));
  }

  @Test
  void setWeightsHandsANewVersionOnlyBucketsTheStableGivesUp() {
    assertThat(alias(seeded(), PROD).layout()).hasToString("v7×90 v8×10");
    assertThat(alias(withThirdVersion(), PROD).layout()).hasToString("v7×80 v9×10 v8×10");
  }

  @Test
  void configEditMovesTheRuntimeLayoutAndAnUnchangedRedeclarationKeepsIt() {
    Registry runtime = withThirdVersion();
    Model edit = model(MODEL, List.of(V7, V8, V9),
        List.of(new Alias(PROD, weights("v7", 70, "v8", 10, "v9", 20), "v7", 1, slo(), StickyKey.parse("header:x-session-id"))));

    Registry restarted = RegistryFold.apply(runtime, config(4, declared(90, 10), declared(90, 10)));
    Registry edited = RegistryFold.apply(runtime, config(4, declared(90, 10), edit));

    assertThat(alias(restarted, PROD).layout()).isSameAs(alias(runtime, PROD).layout());
    assertThat(alias(edited, PROD).layout()).hasToString("v7×70 v9×20 v8×10");
    // The layout is derived, not configuration: the alias equals one declared afresh.
    assertThat(alias(edited, PROD)).isEqualTo(new Alias(PROD, weights("v7", 70, "v8", 10, "v9", 20), "v7", 3, slo(),
        StickyKey.parse("header:x-session-id")));
  }

  @Test
  void configEditThatDeclaresWhatTheAliasAlreadyRoutesKeepsTheRevision() {
    Registry runtime = RegistryFold.apply(seeded(), move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 50, "v8", 50)));

    Registry next = RegistryFold.apply(runtime, config(3, declared(90, 10), declared(50, 50)));

    assertThat(state(next, PROD)).isEqualTo(routing("v7", 2, "v7", 50, "v8", 50));
  }

  @Test
  void configPolicyEditKeepsRuntimeRoutingAndTakesTheNewPolicy() {
    Registry runtime = RegistryFold.apply(seeded(), move(2, Action.PROMOTE, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v8", 2, "v8", 100)));
    Model noSlo = model(MODEL, List.of(V7, V8), List.of(new Alias(PROD, weights("v7", 90, "v8", 10), "v7", 1, null, null)));

    Registry next = RegistryFold.apply(runtime, config(3, declared(90, 10), noSlo));

    assertThat(alias(next, PROD)).isEqualTo(new Alias(PROD, weights("v8", 100), "v8", 2, null, null));
  }

  @Test
  void configRemovalRemovesTheModel() {
    Registry next = RegistryFold.apply(seeded(), config(2, declared(90, 10), null));

    assertThat(next.models()).isEmpty();
    assertThatThrownBy(() -> RegistryFold.apply(next, config(3, declared(90, 10), null)))
        .hasMessageContaining("models.support-agent: not registered, so there is nothing to remove");
  }

  @Test
  void configRemovesAVersionAndAnAliasTheFileNoLongerDeclaresButKeepsRuntimeOnes() {
    Model withCandidate = model(MODEL, List.of(V7, V8, V9), List.of(
        new Alias(PROD, weights("v7", 100), "v7", 1, null, null), new Alias("candidate", weights("v9", 100), "v9", 1, null, null)));
    Model without = model(MODEL, List.of(V7, V8), List.of(new Alias(PROD, weights("v7", 100), "v7", 1, null, null)));
    Registry state = RegistryFold.apply(Registry.EMPTY, config(1, null, withCandidate));
    state = RegistryFold.apply(state, register(2, version("v10", "http://127.0.0.1:9010")));
    state = RegistryFold.apply(state, move(3, Action.SET_WEIGHTS, "shadow", null, routing("v10", 1, "v10", 100)));

    Registry next = RegistryFold.apply(state, config(4, withCandidate, without));

    assertThat(next.models().get(MODEL).versions()).containsOnlyKeys("v7", "v8", "v10");
    assertThat(next.models().get(MODEL).aliases()).containsOnlyKeys(PROD, "shadow");
  }

  @Test
  void refusesRemovingAVersionThatAnAliasStillRoutesTo() {
    Registry runtime = RegistryFold.apply(seeded(), move(2, Action.PROMOTE, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v8", 2, "v8", 100)));
    Model withoutV8 = model(MODEL, List.of(V7), List.of(new Alias(PROD, weights("v7", 100), "v7", 1, null, null)));

    // production changed in the file, so it is set to v7 100; another alias keeping v8 would be refused.
    Registry next = RegistryFold.apply(runtime, config(3, declared(90, 10), withoutV8));
    assertThat(state(next, PROD)).isEqualTo(routing("v7", 3, "v7", 100));

    Registry withShadow = RegistryFold.apply(runtime, move(3, Action.SET_WEIGHTS, "shadow", null, routing("v8", 1, "v8", 100)));
    assertThatThrownBy(() -> RegistryFold.apply(withShadow, config(4, declared(90, 10), withoutV8)))
        .hasMessageContaining("models.support-agent.aliases.shadow.weights.v8: names unknown version 'v8'");
  }

  @Test
  void refusesAConfigThatRedeclaresARegisteredVersionWithOtherContent() {
    ModelVersion rebuilt = new ModelVersion("v8", "s3://rebuilt", "support-agent", List.of("http://127.0.0.1:9002"), null, Map.of(), null);
    Model edit = model(MODEL, List.of(V7, rebuilt), List.of(new Alias(PROD, weights("v7", 100), "v7", 1, null, null)));

    assertThatThrownBy(() -> RegistryFold.apply(seeded(), config(2, declared(90, 10), edit)))
        .hasMessageContaining("event seq 2 (config support-agent) refused")
        .hasMessageContaining("models.support-agent.versions.v8: already registered with other content (differs in: artifact;");
  }

  @Test
  void replayEqualsApplyingEachEventInTurn() {
    List<AuditEvent> events = List.of(
        config(1, null, declared(90, 10)),
        register(2, V9),
        move(3, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 80, "v9", 20)),
        move(4, Action.AUTO_ROLLBACK, PROD, routing("v7", 2, "v7", 80, "v9", 20), routing("v7", 3, "v7", 100)),
        move(5, Action.PROMOTE, PROD, routing("v7", 3, "v7", 100), routing("v9", 4, "v9", 100)),
        move(6, Action.ROLLBACK, PROD, routing("v9", 4, "v9", 100), routing("v9", 5, "v9", 100)),
        config(7, declared(90, 10), declared(90, 10, version("v10", "http://127.0.0.1:9010"))));

    Registry stepByStep = Registry.EMPTY;
    for (AuditEvent event : events) {
      stepByStep = RegistryFold.apply(stepByStep, event);
    }

    assertThat(RegistryFold.replay(events)).isEqualTo(stepByStep);
    assertThat(state(stepByStep, PROD)).isEqualTo(routing("v9", 5, "v9", 100));
  }

  @Test
  void replayRefusesEventsOutOfSequence() {
    assertThatThrownBy(() -> RegistryFold.replay(List.of(config(1, null, declared(90, 10)), register(3, V9))))
        .hasMessageContaining("event seq 3 (register_version support-agent) refused: out of sequence (expected: seq 2)");
    assertThatThrownBy(() -> RegistryFold.replay(List.of(register(2, V9)))).hasMessageContaining("expected: seq 1");
  }

  @Test
  void lastDeclaredIsEachModelsLatestDeclaration() {
    List<AuditEvent> events = List.of(config(1, null, declared(90, 10)), register(2, V9), config(3, declared(90, 10), declared(50, 50)));

    assertThat(RegistryFold.lastDeclared(events)).containsExactly(Map.entry(MODEL, declared(50, 50)));
    assertThat(RegistryFold.lastDeclared(List.of(config(1, null, declared(90, 10)), config(2, declared(90, 10), null)))).isEmpty();
  }
}
