package dev.modelgate.core.ledger;

import static dev.modelgate.core.ledger.Events.T0;
import static dev.modelgate.core.ledger.Events.routing;
import static dev.modelgate.core.registry.Registries.version;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditEventTest {
  private static final Change MOVE = new Change.AliasChanged(routing("v7", 1, "v7", 100), routing("v7", 2, "v7", 100));

  @Test
  void actionsHaveTheSpecsWireNames() {
    assertThat(Action.values()).extracting(Action::wireName)
        .containsExactly("register_version", "set_weights", "promote", "rollback", "auto_rollback", "config",
            "rollout_started", "rollout_advanced", "rollout_paused", "rollout_resumed", "rollout_approved", "rollout_completed",
            "rollout_aborted", "registry_synced");
    assertThat(Action.fromWireName("auto_rollback")).isEqualTo(Action.AUTO_ROLLBACK);
    assertThatThrownBy(() -> Action.fromWireName("AUTO_ROLLBACK")).hasMessageContaining("expected one of: register_version, set_weights");
  }

  @Test
  void rejectsAnActionWithTheWrongKindOfChange() {
    assertThatThrownBy(() -> new AuditEvent(1, T0, "a", Action.PROMOTE, "m", "production", new Change.VersionRegistered(version("v1", "http://h")), null, null))
        .hasMessage("promote must carry an alias change");
    assertThatThrownBy(() -> new AuditEvent(1, T0, "a", Action.REGISTER_VERSION, "m", null, MOVE, null, null))
        .hasMessage("register_version must carry a registered version");
  }

  @Test
  void rejectsAnAliasMoveWithoutAnAliasAndAModelChangeWithOne() {
    assertThatThrownBy(() -> new AuditEvent(1, T0, "a", Action.SET_WEIGHTS, "m", null, MOVE, null, null)).hasMessage("set_weights needs an alias");
    assertThatThrownBy(() -> new AuditEvent(1, T0, "a", Action.REGISTER_VERSION, "m", "production", new Change.VersionRegistered(version("v1", "http://h")), null, null))
        .hasMessageContaining("changes a whole model");
  }

  @Test
  void onlyAutoRollbackCarriesEvidence() {
    assertThatThrownBy(() -> new AuditEvent(1, T0, "a", Action.ROLLBACK, "m", "production", MOVE, null, Map.of("x", 1)))
        .hasMessageContaining("rollback carries no evidence");
  }

  @Test
  void copiesEvidenceDeeplyAndRejectsWhatJsonCannotHold() {
    Map<String, Object> inner = new HashMap<>(Map.of("error_rate", 0.2));
    List<Object> list = new ArrayList<>(List.of(1, 2));
    Map<String, Object> evidence = new HashMap<>(Map.of("canary", inner, "windows", list));
    AuditEvent event = new AuditEvent(1, T0, "slo-guard", Action.AUTO_ROLLBACK, "m", "production", MOVE, null, evidence);
    inner.put("error_rate", 0.9);
    list.add(3);

    assertThat(event.evidence()).isEqualTo(Map.of("canary", Map.of("error_rate", 0.2), "windows", List.of(1, 2)));
    assertThatThrownBy(() -> new AuditEvent(1, T0, "slo-guard", Action.AUTO_ROLLBACK, "m", "production", MOVE, null, Map.of("at", Instant.EPOCH)))
        .hasMessageContaining("evidence.at: a java.time.Instant is not a JSON value");
  }

  @Test
  void aDraftBecomesTheEventWithItsSeq() {
    AuditEventDraft draft = new AuditEventDraft(T0, "a", Action.SET_WEIGHTS, "m", "production", MOVE, "r", null);

    AuditEvent event = draft.withSeq(7);
    assertThat(event.seq()).isEqualTo(7);
    assertThat(event.draft()).isEqualTo(draft);
    assertThatThrownBy(() -> draft.withSeq(0)).hasMessageContaining("seq: 0 (expected: 1 or more)");
  }
}
