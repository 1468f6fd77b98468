package dev.modelgate.gateway.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.LedgerEvents;
import dev.modelgate.gateway.state.RoutingState;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two control planes on one database, as two replicas hold them: what one records the other folds,
 * and a change decided on a registry the other has since changed is decided again.
 */
class FleetControlPlaneTest {
  private static final Map<String, String> ENVIRONMENT = Map.of("SUPPORT_AGENT_KEY", "test-key");
  private static final Registry DECLARED = Registry.EMPTY.withModel(LedgerEvents.declared());

  private Vertx vertx;
  private String url;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** One replica's control plane and what its listeners (webhooks) were told. */
  private record Replica(ControlPlane plane, RoutingState routing, List<AuditEvent> told) {
    Alias production() {
      return routing.table().registry().models().get(LedgerEvents.MODEL).aliases().get("production");
    }
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    url = EmbeddedDatabase.newDatabase();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
    vertx.close().await();
  }

  private Replica replica(String name) throws IOException {
    return replica(name, ENVIRONMENT);
  }

  private Replica replica(String name, Map<String, String> environment) throws IOException {
    PostgresLedger ledger = PostgresLedger.open(vertx, StateConfig.postgres(url, null, 2), environment::get, name);
    WorkerExecutor writer = vertx.createSharedWorkerExecutor("writer-" + name, 1);
    toClose.add(ledger);
    toClose.add(() -> writer.close().await());
    RoutingState routing = new RoutingState(environment::get, endpoint -> EndpointGate.UNGUARDED, table -> {});
    List<AuditEvent> told = new CopyOnWriteArrayList<>();
    ControlPlane plane = ControlPlane.open(ledger, routing, writer, DECLARED, Clock.systemUTC(), List.of(told::add));
    return new Replica(plane, routing, told);
  }

  private static AuditEventDraft allOn(Alias alias, String version) {
    return new AuditEventDraft(LedgerEvents.T0, "alice", Action.SET_WEIGHTS, LedgerEvents.MODEL, alias.name(),
        new Change.AliasChanged(AliasState.of(alias), AliasState.of(alias).allOn(version)), "test", null);
  }

  @Test
  void aReplicaOpeningWithTheSameFileAfterAnotherRecordsNothing() throws IOException {
    Replica a = replica("a");
    Replica b = replica("b");

    assertThat(a.told()).extracting(AuditEvent::action).containsExactly(Action.CONFIG);
    assertThat(b.told()).isEmpty();
    assertThat(b.plane().since(0, 10, null, null).await()).hasSize(1);
    assertThat(b.production()).isEqualTo(a.production());
  }

  @Test
  void aChangeDecidedOnAStaleRegistryIsDecidedAgainOnTheOneTheOtherReplicaLeft() throws IOException {
    Replica a = replica("a");
    Replica b = replica("b");
    AuditEvent first = a.plane().submit(registry -> allOn(registry.models().get(LedgerEvents.MODEL).aliases().get("production"), "v8")).await();
    assertThat(b.production().revision()).as("b has not folded a's change yet").isEqualTo(1);

    List<Long> revisionsSeen = new CopyOnWriteArrayList<>();
    AuditEvent second = b.plane().submit(registry -> {
      Alias production = registry.models().get(LedgerEvents.MODEL).aliases().get("production");
      revisionsSeen.add(production.revision());
      return allOn(production, "v7");
    }).await();

    assertThat(revisionsSeen).containsExactly(1L, 2L);
    assertThat(second.seq()).isEqualTo(first.seq() + 1);
    assertThat(((Change.AliasChanged) second.change()).before().revision()).isEqualTo(2);
    assertThat(b.production().revision()).isEqualTo(3);
    assertThat(b.told()).containsExactly(second);
  }

  @Test
  void catchingUpFoldsTheOtherReplicasEventsIntoRoutingWithoutTellingListeners() throws Exception {
    Replica a = replica("a");
    Replica b = replica("b");
    a.plane().submit(registry -> allOn(registry.models().get(LedgerEvents.MODEL).aliases().get("production"), "v8")).await();

    b.plane().catchUp();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (b.production().revision() != 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    assertThat(b.production()).isEqualTo(a.production());
    assertThat(b.production().weights()).containsEntry("v8", 100);
    assertThat(b.plane().foldedSeq()).isEqualTo(2);
    assertThat(b.told()).isEmpty();
    assertThat(b.plane().guardMemory()).isEqualTo(a.plane().guardMemory());
  }

  @Test
  void aReplicaThatCannotApplyAnotherReplicasEventKeepsItsRoutingAndRefusesChanges() throws Exception {
    Replica a = replica("a", Map.of("SUPPORT_AGENT_KEY", "test-key", "V10_KEY", "key-only-a-has"));
    Replica b = replica("b");
    ModelVersion v10 = new ModelVersion("v10", "s3://models/support-agent/v10", "support-agent", List.of("http://127.0.0.1:9004"), "V10_KEY",
        Map.of(), null);
    a.plane().submit(registry -> LedgerEvents.register(10, v10)).await();

    Alias before = b.production();
    b.plane().catchUp();
    Throwable refusal = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (refusal == null && System.nanoTime() < deadline) {
      try {
        b.plane().submit(registry -> allOn(registry.models().get(LedgerEvents.MODEL).aliases().get("production"), "v8")).await();
      } catch (IllegalStateException e) {
        refusal = e;
      }
    }

    assertThat(refusal).isNotNull().hasMessageContaining("seq 2 to 2, written by another replica, cannot be applied on this replica")
        .hasMessageContaining("V10_KEY is not set").hasMessageContaining("refuses changes until it is restarted");
    assertThat(b.production()).isEqualTo(before);
    assertThat(b.routing().table().registry().models().get(LedgerEvents.MODEL).versions()).doesNotContainKey("v10");
    assertThat(a.plane().since(0, 10, null, null).await()).hasSize(2);
  }
}
