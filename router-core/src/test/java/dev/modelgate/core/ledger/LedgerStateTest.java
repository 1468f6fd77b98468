package dev.modelgate.core.ledger;

import static dev.modelgate.core.ledger.Events.MODEL;
import static dev.modelgate.core.ledger.Events.PROD;
import static dev.modelgate.core.ledger.Events.config;
import static dev.modelgate.core.ledger.Events.move;
import static dev.modelgate.core.ledger.Events.register;
import static dev.modelgate.core.ledger.Events.routing;
import static dev.modelgate.core.registry.Registries.model;
import static dev.modelgate.core.registry.Registries.version;
import static dev.modelgate.core.registry.Registries.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a snapshot must carry besides the registry: the config file's last declarations and each alias's last auto_rollback. */
class LedgerStateTest {
  private static final ModelVersion V7 = version("v7", "http://127.0.0.1:9001");
  private static final ModelVersion V8 = version("v8", "http://127.0.0.1:9002");

  private static Model declared(int v7, int v8) {
    return model(MODEL, List.of(V7, V8), List.of(new Alias(PROD, weights("v7", v7, "v8", v8), "v7", 1, null, null)));
  }

  @Test
  void foldingInPartsGivesWhatFoldingAtOnceGivesAndKeepsOnlyEachAliassLastAutoRollback() {
    List<AuditEvent> events = List.of(
        config(1, null, declared(90, 10)),
        move(2, Action.SET_WEIGHTS, PROD, routing("v7", 1, "v7", 90, "v8", 10), routing("v7", 2, "v7", 50, "v8", 50)),
        move(3, Action.AUTO_ROLLBACK, PROD, routing("v7", 2, "v7", 50, "v8", 50), routing("v7", 3, "v7", 100)),
        move(4, Action.SET_WEIGHTS, "canary", null, routing("v8", 1, "v8", 100)),
        move(5, Action.SET_WEIGHTS, PROD, routing("v7", 3, "v7", 100), routing("v7", 4, "v7", 80, "v8", 20)),
        move(6, Action.AUTO_ROLLBACK, PROD, routing("v7", 4, "v7", 80, "v8", 20), routing("v7", 5, "v7", 100)),
        config(7, declared(90, 10), declared(70, 30)));

    LedgerState atOnce = LedgerState.EMPTY.applyAll(events);
    LedgerState inParts = LedgerState.EMPTY.applyAll(events.subList(0, 3)).applyAll(events.subList(3, 7));

    assertThat(inParts).isEqualTo(atOnce);
    assertThat(atOnce.seq()).isEqualTo(7);
    assertThat(atOnce.registry()).isEqualTo(RegistryFold.applyAll(Registry.EMPTY, events));
    assertThat(atOnce.autoRollbacks()).containsExactly(events.get(5));
    assertThat(atOnce.declared()).isEqualTo(RegistryFold.lastDeclared(events)).containsEntry(MODEL, declared(70, 30));
  }

  @Test
  void refusesAnEventThatDoesNotFollowTheLastSeqAndChangesNothing() {
    LedgerState first = LedgerState.EMPTY.applyAll(List.of(register(1, V7)));

    assertThatThrownBy(() -> first.applyAll(List.of(register(3, V8))))
        .isInstanceOf(RefusedEventException.class).hasMessageContaining("event seq 3").hasMessageContaining("out of sequence (expected: seq 2)");
    assertThat(first.seq()).isEqualTo(1);
    assertThat(first.applyAll(List.of())).isSameAs(first);
  }
}
