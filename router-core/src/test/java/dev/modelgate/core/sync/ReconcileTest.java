package dev.modelgate.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registries;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.rollout.RolloutStatus;
import dev.modelgate.core.slo.SloPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ReconcileTest {
  private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
  private static final String MODEL = "support-agent";
  private static final SloPolicy SLO = new SloPolicy(Duration.ofSeconds(60), Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), null, 2,
      Duration.ofMinutes(10));
  private static final Serving SERVING = new Serving(List.of("http://127.0.0.1:9001"), "support-agent-{version}", null);

  @Test
  void firstSyncRegistersTheVersionAndCreatesTheFollowedAliasWithItsDeclaredPolicy() {
    LedgerState state = declared(Alias.awaitingSync("production", SLO, null));
    assertThat(state.registry().models().get(MODEL).aliases()).isEmpty();

    SyncDecision first = Reconcile.decide(state.registry(), follow(OnNewVersion.ROLLOUT), 9, seen(9), T0);
    assertThat(first.drafts()).extracting(AuditEventDraft::action).containsExactly(Action.REGISTER_VERSION, Action.REGISTRY_SYNCED);
    assertThat(first.drafts().get(1).actor()).isEqualTo("registry:mlflow");
    assertThat(first.drafts().get(1).evidence()).containsEntry("registry_version", 9L).containsEntry("registry_alias", "production");
    state = fold(state, first);

    Alias production = state.registry().models().get(MODEL).aliases().get("production");
    assertThat(production.weights()).isEqualTo(Map.of("v9", 100));
    assertThat(production.stable()).isEqualTo("v9");
    assertThat(production.slo()).isEqualTo(SLO);
    assertThat(state.registry().models().get(MODEL).versions().get("v9").servedModel()).isEqualTo("support-agent-9");
    assertThat(Reconcile.decide(state.registry(), follow(OnNewVersion.ROLLOUT), 9, seen(9), T0).inSync()).isTrue();
  }

  @Test
  void aMovedAliasStartsARolloutFromStableOnceAndThenLeavesItToTheRollout() {
    LedgerState state = synced(OnNewVersion.ROLLOUT, 9);
    SyncDecision moved = Reconcile.decide(state.registry(), follow(OnNewVersion.ROLLOUT), 10, seen(10), T0.plusSeconds(60));
    assertThat(moved.drafts()).extracting(AuditEventDraft::action).containsExactly(Action.REGISTER_VERSION, Action.REGISTRY_SYNCED);
    state = fold(state, moved);

    Alias production = state.registry().models().get(MODEL).aliases().get("production");
    assertThat(production.weights()).isEqualTo(Map.of("v9", 95, "v10", 5));
    assertThat(production.stable()).isEqualTo("v9");
    assertThat(production.rollout().version()).isEqualTo("v10");
    assertThat(production.rollout().status()).isEqualTo(RolloutStatus.RUNNING);
    assertThat(Reconcile.decide(state.registry(), follow(OnNewVersion.ROLLOUT), 10, seen(10), T0.plusSeconds(90)).drafts()).isEmpty();
  }

  @Test
  void switchSendsTheNewVersionAllTrafficAtOnce() {
    LedgerState state = synced(OnNewVersion.SWITCH, 9);
    state = fold(state, Reconcile.decide(state.registry(), follow(OnNewVersion.SWITCH), 10, seen(10), T0));
    Alias production = state.registry().models().get(MODEL).aliases().get("production");
    assertThat(production.weights()).isEqualTo(Map.of("v10", 100));
    assertThat(production.stable()).isEqualTo("v10");
  }

  @Test
  void aVersionRolledBackHereIsNotRolledOutAgainWhileTheRegistryStillNamesIt() {
    LedgerState state = synced(OnNewVersion.ROLLOUT, 9);
    state = fold(state, Reconcile.decide(state.registry(), follow(OnNewVersion.ROLLOUT), 10, seen(10), T0));
    Alias rolling = state.registry().models().get(MODEL).aliases().get("production");
    // What the rollout driver records on a breach: the rollout ended rolled_back, 100 % stable.
    var rolledBack = new dev.modelgate.core.rollout.Rollout(rolling.rollout().version(), rolling.rollout().from(), rolling.rollout().plan(),
        RolloutStatus.ROLLED_BACK, rolling.rollout().phase(), rolling.rollout().step(), rolling.rollout().startedAt(),
        rolling.rollout().enteredAt(), rolling.rollout().startedBy(), 2);
    var before = dev.modelgate.core.ledger.AliasState.of(rolling);
    state = state.applyAll(List.of(new AuditEventDraft(T0, "rollout", Action.AUTO_ROLLBACK, MODEL, "production",
        new Change.AliasChanged(before, before.with(rolledBack)), "breach", Map.of("why", "test")).withSeq(state.seq() + 1)));

    SyncDecision again = Reconcile.decide(state.registry(), follow(OnNewVersion.ROLLOUT), 10, seen(10), T0.plusSeconds(300));
    assertThat(again.drafts()).isEmpty();
    assertThat(again.summary()).contains("rolled_back");
  }

  @Test
  void aRegistryThatMovesPastARunningRolloutAbortsItAndRollsOutTheNewVersion() {
    LedgerState state = synced(OnNewVersion.ROLLOUT, 9);
    state = fold(state, Reconcile.decide(state.registry(), follow(OnNewVersion.ROLLOUT), 10, seen(10), T0));
    SyncDecision past = Reconcile.decide(state.registry(), follow(OnNewVersion.ROLLOUT), 11, seen(11), T0.plusSeconds(30));
    assertThat(past.drafts()).extracting(AuditEventDraft::action)
        .containsExactly(Action.REGISTER_VERSION, Action.ROLLOUT_ABORTED, Action.REGISTRY_SYNCED);
    state = fold(state, past);
    Alias production = state.registry().models().get(MODEL).aliases().get("production");
    assertThat(production.rollout().version()).isEqualTo("v11");
    assertThat(production.rollout().from()).isEqualTo("v9");
    assertThat(production.weights()).isEqualTo(Map.of("v9", 95, "v11", 5));
  }

  @Test
  void aVersionRegisteredWithOtherContentStandsAndTheAliasStillFollows() {
    LedgerState state = synced(OnNewVersion.SWITCH, 9);
    ModelVersion other = new ModelVersion("v10", "s3://elsewhere", "custom", List.of("http://127.0.0.1:9009"), null, Map.of(), null);
    state = state.applyAll(List.of(new AuditEventDraft(T0, "ci", Action.REGISTER_VERSION, MODEL, null, new Change.VersionRegistered(other),
        null, Map.of()).withSeq(state.seq() + 1)));
    SyncDecision decision = Reconcile.decide(state.registry(), follow(OnNewVersion.SWITCH), 10, seen(10), T0);
    assertThat(decision.drafts()).extracting(AuditEventDraft::action).containsExactly(Action.REGISTRY_SYNCED);
    state = fold(state, decision);
    assertThat(state.registry().models().get(MODEL).versions().get("v10")).isEqualTo(other);
  }

  @Test
  void aConfigEditAfterTheSyncChangesTheFollowedAliasesPolicyNotItsRouting() {
    LedgerState state = synced(OnNewVersion.SWITCH, 9);
    Model before = state.declared().get(MODEL);
    SloPolicy stricter = new SloPolicy(Duration.ofSeconds(30), Duration.ofSeconds(5), 20, 0.01, Duration.ofSeconds(1), null, 2,
        Duration.ofMinutes(10));
    Model edited = Registries.model(MODEL, List.of(), List.of(Alias.awaitingSync("production", stricter, null)));
    state = state.applyAll(List.of(new AuditEvent(state.seq() + 1, T0, "config", Action.CONFIG, MODEL, null,
        new Change.ModelDeclared(before, edited), "config file", Map.of())));

    Alias production = state.registry().models().get(MODEL).aliases().get("production");
    assertThat(production.weights()).isEqualTo(Map.of("v9", 100));
    assertThat(production.revision()).isEqualTo(1);
    assertThat(production.slo()).isEqualTo(stricter);
  }

  /** Whatever the registry does, deciding again on what was just recorded records nothing: twice, or a second replica, changes nothing. */
  @Property(tries = 200)
  void decidingAgainOnWhatWasRecordedChangesNothing(@ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 5) Integer> seenVersions,
      @ForAll boolean switches) {
    OnNewVersion mode = switches ? OnNewVersion.SWITCH : OnNewVersion.ROLLOUT;
    LedgerState state = declared(Alias.awaitingSync("production", SLO, null));
    Instant now = T0;
    for (int number : seenVersions) {
      now = now.plusSeconds(30);
      state = fold(state, Reconcile.decide(state.registry(), follow(mode), number, seen(number), now));
      assertThat(Reconcile.decide(state.registry(), follow(mode), number, seen(number), now.plusSeconds(1)).drafts()).isEmpty();
      Alias production = state.registry().models().get(MODEL).aliases().get("production");
      boolean routesIt = production.weights().containsKey("v" + number);
      assertThat(routesIt || production.rollout() != null && production.rollout().version().equals("v" + number)).isTrue();
    }
  }

  private static LedgerState synced(OnNewVersion mode, long number) {
    LedgerState state = declared(Alias.awaitingSync("production", SLO, null));
    return fold(state, Reconcile.decide(state.registry(), follow(mode), number, seen(number), T0));
  }

  private static LedgerState declared(Alias... aliases) {
    Model model = Registries.model(MODEL, List.of(), List.of(aliases));
    return LedgerState.EMPTY.applyAll(List.of(new AuditEvent(1, T0, "config", Action.CONFIG, MODEL, null,
        new Change.ModelDeclared(null, model), "config file", Map.of())));
  }

  private static LedgerState fold(LedgerState state, SyncDecision decision) {
    List<AuditEvent> events = new ArrayList<>();
    long seq = state.seq();
    for (AuditEventDraft draft : decision.drafts()) {
      events.add(draft.withSeq(++seq));
    }
    return state.applyAll(events);
  }

  private static Follow follow(OnNewVersion mode) {
    return new Follow("mlflow", MODEL, "production", MODEL, "production", mode,
        new RolloutPlan(List.of(5, 50, 100), Duration.ofMinutes(1), 10, List.of(), null, null), SERVING);
  }

  private static ModelVersion seen(long number) {
    return SERVING.render(number, "models:/" + MODEL + "/" + number, Map.of("run_id", "r" + number), Map.of());
  }
}
