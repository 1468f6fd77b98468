package dev.modelgate.core.ledger;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import java.time.Instant;
import java.util.Map;

/** Builders of audit events for tests; times are fixed so events compare equal. */
final class Events {
  static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
  static final String MODEL = "support-agent";
  static final String PROD = "production";

  private Events() {}

  static AuditEvent register(long seq, ModelVersion version) {
    return new AuditEvent(seq, T0.plusSeconds(seq), "admin", Action.REGISTER_VERSION, MODEL, null,
        new Change.VersionRegistered(version), "new build", Map.of());
  }

  static AuditEvent move(long seq, Action action, String alias, AliasState before, AliasState after) {
    Map<String, Object> evidence = action == Action.AUTO_ROLLBACK ? Map.of("canary", Map.of("version", "v8", "error_rate", 0.25)) : Map.of();
    return new AuditEvent(seq, T0.plusSeconds(seq), "ops", action, MODEL, alias, new Change.AliasChanged(before, after), "because", evidence);
  }

  static AuditEvent config(long seq, Model before, Model after) {
    return new AuditEvent(seq, T0.plusSeconds(seq), "config", Action.CONFIG, MODEL, null, new Change.ModelDeclared(before, after), null, Map.of());
  }

  static AliasState state(Registry registry, String alias) {
    return AliasState.of(registry.models().get(MODEL).aliases().get(alias));
  }

  static Alias alias(Registry registry, String alias) {
    return registry.models().get(MODEL).aliases().get(alias);
  }

  static AliasState routing(String stable, long revision, Object... versionsAndWeights) {
    return new AliasState(dev.modelgate.core.registry.Registries.weights(versionsAndWeights), stable, revision);
  }
}
