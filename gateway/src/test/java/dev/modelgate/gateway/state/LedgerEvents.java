package dev.modelgate.gateway.state;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.HealthCheck;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutPhase;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.rollout.RolloutStatus;
import dev.modelgate.core.slo.SloPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One draft of each action, in an order that folds: the documented support-agent through a canary's life. */
public final class LedgerEvents {
  public static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
  public static final String MODEL = "support-agent";
  /** The actions {@link #lifecycle()} holds: every one but the rollouts', which {@link #rollouts()} holds. */
  // registry_synced has its own list, registrySync().
  public static final Action[] LIFECYCLE_ACTIONS = java.util.Arrays.stream(Action.values())
      .filter(a -> !a.isRollout() && a != Action.REGISTRY_SYNCED).toArray(Action[]::new);

  private LedgerEvents() {}

  public static ModelVersion v7() {
    return new ModelVersion("v7", "wandb-artifact://acme/llm/support-agent:v7", "support-agent", List.of("http://127.0.0.1:9001"),
        "SUPPORT_AGENT_KEY", Map.of("base_model", "meta-llama/Llama-3.1-8B", "evals", Map.of("accuracy", 0.91, "cases", 1200)), null);
  }

  public static ModelVersion v8() {
    return new ModelVersion("v8", "wandb-artifact://acme/llm/support-agent:v8", "support-agent",
        List.of("http://127.0.0.1:9002", "https://gpu-2.internal/v1"), null, Map.of("code_commit", "4f2a9c1"),
        new HealthCheck("/health", Duration.ofSeconds(5), Duration.ofMillis(1500)));
  }

  public static ModelVersion v9() {
    return new ModelVersion("v9", "s3://models/support-agent/v9", "support-agent-lora-9", List.of("http://127.0.0.1:9003"), null, Map.of(), null);
  }

  public static Model declared() {
    SloPolicy slo = new SloPolicy(Duration.ofSeconds(60), Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), 2.0, 2, Duration.ofMinutes(10));
    Map<String, Integer> weights = new LinkedHashMap<>();
    weights.put("v7", 90);
    weights.put("v8", 10);
    Alias production = new Alias("production", weights, "v7", 1, slo, StickyKey.parse("header:x-session-id"));
    Alias staging = new Alias("staging", Map.of("v8", 100), "v8", 1, null, null);
    Map<String, ModelVersion> versions = new LinkedHashMap<>();
    versions.put("v7", v7());
    versions.put("v8", v8());
    Map<String, Alias> aliases = new LinkedHashMap<>();
    aliases.put("production", production);
    aliases.put("staging", staging);
    return new Model(MODEL, "production", "Tier-1 support assistant", "ml-platform", List.of("chat", "tier-1"), versions, aliases);
  }

  public static AuditEventDraft config(int second, Model before, Model after) {
    return new AuditEventDraft(T0.plusSeconds(second), "config", Action.CONFIG, MODEL, null, new Change.ModelDeclared(before, after), "config file", null);
  }

  public static AuditEventDraft register(int second, ModelVersion version) {
    return new AuditEventDraft(T0.plusSeconds(second), "admin", Action.REGISTER_VERSION, MODEL, null, new Change.VersionRegistered(version), null, null);
  }

  public static AuditEventDraft move(int second, Action action, String alias, AliasState before, AliasState after, String reason) {
    Map<String, Object> evidence = action != Action.AUTO_ROLLBACK ? Map.of() : Map.of(
        "canary", Map.of("version", "v9", "requests", 240, "error_rate", 0.125, "p99_seconds", 3.2),
        "stable", Map.of("version", "v7", "requests", 2160, "error_rate", 0.004, "p99_seconds", 0.8),
        "breaches", 2);
    return new AuditEventDraft(T0.plusSeconds(second), action == Action.AUTO_ROLLBACK ? "slo-guard" : "alice", action, MODEL, alias,
        new Change.AliasChanged(before, after), reason, evidence);
  }

  /** A {@code registry_synced} move by registry {@code mlflow}, with what it saw as evidence. */
  public static AuditEventDraft synced(int second, String alias, AliasState before, AliasState after, String reason) {
    return new AuditEventDraft(T0.plusSeconds(second), "registry:mlflow", Action.REGISTRY_SYNCED, MODEL, alias, new Change.AliasChanged(before, after),
        reason, Map.of("registry", "mlflow", "path", MODEL, "registry_alias", "production", "registry_version", 8, "artifact", "models:/support-agent/8"));
  }

  public static AliasState state(String stable, long revision, Object... versionsAndWeights) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (int i = 0; i < versionsAndWeights.length; i += 2) {
      weights.put((String) versionsAndWeights[i], (Integer) versionsAndWeights[i + 1]);
    }
    return new AliasState(weights, stable, revision);
  }

  /** Every action but the rollouts' at least once; each applies to the state the ones before it built. */
  public static List<AuditEventDraft> lifecycle() {
    return List.of(
        config(1, null, declared()),
        register(2, v9()),
        move(3, Action.SET_WEIGHTS, "production", state("v7", 1, "v7", 90, "v8", 10), state("v7", 2, "v7", 80, "v9", 20), "canary v9"),
        move(4, Action.AUTO_ROLLBACK, "production", state("v7", 2, "v7", 80, "v9", 20), state("v7", 3, "v7", 100), "v9 error rate 12.5 % > 5 %"),
        move(5, Action.SET_WEIGHTS, "candidate", null, state("v9", 1, "v9", 100), "try v9 alone"),
        move(6, Action.PROMOTE, "production", state("v7", 3, "v7", 100), state("v8", 4, "v8", 100), "v8 is good"),
        move(7, Action.ROLLBACK, "production", state("v8", 4, "v8", 100), state("v8", 5, "v8", 100), "no-op rollback"),
        config(8, declared(), null));
  }

  /**
   * Every rollout action, through two rollouts of production: one completed after a pause and an
   * approval, one aborted. They apply after the first seven events of {@link #lifecycle()}.
   */
  public static List<AuditEventDraft> rollouts() {
    return List.of(
        move(8, Action.ROLLOUT_STARTED, "production", state("v8", 5, "v8", 100), rolled(6, v9Rollout(RolloutStatus.RUNNING, 1, 8)), "start v9"),
        move(9, Action.ROLLOUT_PAUSED, "production", rolled(6, v9Rollout(RolloutStatus.RUNNING, 1, 8)),
            rolled(7, v9Rollout(RolloutStatus.PAUSED, 1, 8)), "hold for the release freeze"),
        move(10, Action.ROLLOUT_RESUMED, "production", rolled(7, v9Rollout(RolloutStatus.PAUSED, 1, 8)),
            rolled(8, v9Rollout(RolloutStatus.RUNNING, 1, 8)), "freeze over"),
        move(11, Action.ROLLOUT_ADVANCED, "production", rolled(8, v9Rollout(RolloutStatus.RUNNING, 1, 8)),
            rolled(9, v9Rollout(RolloutStatus.AWAITING_APPROVAL, 1, 8)), "step 1 (50 %) passed"),
        move(12, Action.ROLLOUT_APPROVED, "production", rolled(9, v9Rollout(RolloutStatus.AWAITING_APPROVAL, 1, 8)),
            rolled(10, v9Rollout(RolloutStatus.RUNNING, 2, 12)), "looks good"),
        move(13, Action.ROLLOUT_COMPLETED, "production", rolled(10, v9Rollout(RolloutStatus.RUNNING, 2, 12)),
            rolled(11, v9Rollout(RolloutStatus.COMPLETED, 2, 12)), "step 2 (100 %) passed"),
        move(14, Action.ROLLOUT_STARTED, "production", rolled(11, v9Rollout(RolloutStatus.COMPLETED, 2, 12)),
            rolled(12, v8Rollout(RolloutStatus.RUNNING)), "back to v8 by steps"),
        move(15, Action.ROLLOUT_ABORTED, "production", rolled(12, v8Rollout(RolloutStatus.RUNNING)),
            rolled(13, v8Rollout(RolloutStatus.ABORTED)), "changed our minds"));
  }

  /**
   * Registry sync's moves of production: a switch back to v8, then the start of a rollout to v9. They
   * apply after {@link #rollouts()}.
   */
  public static List<AuditEventDraft> registrySync() {
    Rollout started = new Rollout("v9", "v8", plan(), RolloutStatus.RUNNING, RolloutPhase.STEP, 1, T0.plusSeconds(17), T0.plusSeconds(17),
        "registry:mlflow", 0);
    return List.of(
        synced(16, "production", rolled(13, v8Rollout(RolloutStatus.ABORTED)), state("v8", 14, "v8", 100),
            "registry mlflow support-agent:production is on version 8"),
        synced(17, "production", new AliasState(Map.of("v8", 100), "v8", 14, v8Rollout(RolloutStatus.ABORTED)), rolled(15, started),
            "registry mlflow support-agent:production is on version 9; started rolling out v9 from v8"));
  }

  /** Steps of 50 and 100 %, the second one approved by hand. */
  public static RolloutPlan plan() {
    return new RolloutPlan(List.of(50, 100), Duration.ofMinutes(10), 200, List.of(100), null, null);
  }

  private static Rollout v9Rollout(RolloutStatus status, int step, int enteredSecond) {
    return new Rollout("v9", "v8", plan(), status, RolloutPhase.STEP, step, T0.plusSeconds(8), T0.plusSeconds(enteredSecond), "alice", 0);
  }

  private static Rollout v8Rollout(RolloutStatus status) {
    return new Rollout("v8", "v9", plan(), status, RolloutPhase.STEP, 1, T0.plusSeconds(14), T0.plusSeconds(14), "alice", 0);
  }

  /** The alias at {@code revision} as {@code rollout} leaves it. */
  public static AliasState rolled(long revision, Rollout rollout) {
    return new AliasState(Map.of(), rollout.from(), revision - 1).with(rollout);
  }
}
