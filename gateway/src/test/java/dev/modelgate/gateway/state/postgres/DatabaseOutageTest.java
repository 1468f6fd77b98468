package dev.modelgate.gateway.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.LedgerEvents;
import dev.modelgate.gateway.state.RoutingState;
import dev.modelgate.gateway.state.StateUnavailableException;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Control planes of two replicas while their PostgreSQL is stopped and started again (on the same
 * data and port): changes are refused at once and change nothing, routing stays, the replica says it
 * is degraded until a catch-up reaches the database again; an SLO guard rollback is routed at once
 * and written when the database is back — unless a later change of the alias came first.
 */
class DatabaseOutageTest {
  private static final Map<String, String> ENVIRONMENT = Map.of("SUPPORT_AGENT_KEY", "test-key");
  private static final Registry DECLARED = Registry.EMPTY.withModel(LedgerEvents.declared());
  private static final Duration WITHIN = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private Vertx vertx;
  private EmbeddedDatabase.Stoppable server;
  private String url;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private record Replica(ControlPlane plane, RoutingState routing, List<AuditEvent> told) {
    Alias production() {
      return routing.table().registry().models().get(LedgerEvents.MODEL).aliases().get("production");
    }
  }

  @BeforeEach
  void start() throws IOException {
    vertx = Vertx.vertx();
    server = new EmbeddedDatabase.Stoppable(dir.resolve("pgdata"));
    url = server.newDatabase();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
    vertx.close().await();
    server.close();
  }

  private Replica replica(String name) throws IOException {
    PostgresLedger ledger = PostgresLedger.open(vertx, StateConfig.postgres(url, null, 2), ENVIRONMENT::get, name);
    WorkerExecutor writer = vertx.createSharedWorkerExecutor("writer-" + name, 1);
    toClose.add(() -> writer.close().await());
    toClose.add(ledger);
    RoutingState routing = new RoutingState(ENVIRONMENT::get, endpoint -> EndpointGate.UNGUARDED, table -> {});
    List<AuditEvent> told = new CopyOnWriteArrayList<>();
    return new Replica(ControlPlane.open(ledger, routing, writer, DECLARED, Clock.systemUTC(), List.of(told::add)), routing, told);
  }

  private static Function<Registry, AuditEventDraft> allOn(String actor, Action action, String version, long ifRevision) {
    return registry -> {
      Alias alias = registry.models().get(LedgerEvents.MODEL).aliases().get("production");
      if (alias.revision() != ifRevision) {
        return null;
      }
      return new AuditEventDraft(LedgerEvents.T0, actor, action, LedgerEvents.MODEL, "production",
          new Change.AliasChanged(AliasState.of(alias), AliasState.of(alias).allOn(version)), "test", null);
    };
  }

  /** Asks for catch-ups until {@code done}, as the listener and the poll do (bounded). */
  private static void catchUpUntil(Replica replica, BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " within " + WITHIN.toSeconds() + " s");
      }
      replica.plane().catchUp();
      Thread.sleep(50);
    }
  }

  @Test
  void whileTheDatabaseIsDownChangesAreRefusedAtOnceChangeNothingAndTheReplicaSaysItIsDegraded() throws Exception {
    Replica a = replica("a");
    Alias before = a.production();
    server.stop();

    assertThatThrownBy(() -> a.plane().submit(allOn("alice", Action.SET_WEIGHTS, "v8", 1)).await())
        .isInstanceOf(StateUnavailableException.class).hasMessageContaining("failed while appending seq 2");
    assertThat(a.plane().health().available()).isFalse();
    long asked = System.nanoTime();
    assertThatThrownBy(() -> a.plane().submit(allOn("alice", Action.SET_WEIGHTS, "v8", 1)).await())
        .isInstanceOf(StateUnavailableException.class);
    assertThatThrownBy(() -> a.plane().since(0, 10, null, null).await()).isInstanceOf(StateUnavailableException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("refused at once, not after a timeout").isLessThan(Duration.ofMillis(500));
    assertThat(a.production()).as("routing goes on from the last table").isEqualTo(before);

    server.start();
    catchUpUntil(a, () -> a.plane().health().available(), "the replica reaches the database again");
    AuditEvent after = a.plane().submit(allOn("alice", Action.SET_WEIGHTS, "v8", 1)).await();

    assertThat(after.seq()).as("nothing was written while the database was down").isEqualTo(2);
    assertThat(a.plane().since(0, 10, null, null).await()).extracting(AuditEvent::actor).containsExactly("config", "alice");
    assertThat(a.production().weights()).containsEntry("v8", 100);
  }

  @Test
  void aRollbackDecidedWhileTheDatabaseIsDownIsRoutedAtOnceAndWrittenWhenItReturns() throws Exception {
    Replica a = replica("a");
    Replica b = replica("b");
    server.stop();

    ControlPlane.Applied applied = a.plane().submitOrHold("auto_rollback of support-agent:production",
        allOn("slo-guard", Action.AUTO_ROLLBACK, "v7", 1)).await();

    assertThat(applied.held()).isTrue();
    assertThat(a.production().weights()).as("routed on this replica at once").isEqualTo(Map.of("v7", 100));
    assertThat(a.plane().health().available()).isFalse();

    server.start();
    catchUpUntil(a, () -> a.plane().health().available() && a.plane().foldedSeq() == 2, "the held rollback written");
    List<AuditEvent> events = a.plane().since(0, 10, null, null).await();
    assertThat(events).extracting(AuditEvent::action).containsExactly(Action.CONFIG, Action.AUTO_ROLLBACK);
    assertThat(events.get(1).actor()).isEqualTo("slo-guard");
    assertThat(a.told()).extracting(AuditEvent::action).containsExactly(Action.CONFIG, Action.AUTO_ROLLBACK);
    assertThat(a.production().weights()).containsEntry("v7", 100);
    assertThat(a.production().revision()).isEqualTo(2);

    catchUpUntil(b, () -> b.plane().foldedSeq() == 2, "the other replica folds it");
    assertThat(b.production()).isEqualTo(a.production());
  }

  @Test
  void aHeldRollbackIsNotWrittenWhenALaterChangeOfTheAliasCameFirst() throws Exception {
    Replica a = replica("a");
    Replica b = replica("b");
    server.stop();
    assertThat(a.plane().submitOrHold("auto_rollback of support-agent:production", allOn("slo-guard", Action.AUTO_ROLLBACK, "v7", 1))
        .await().held()).isTrue();

    server.start();
    // Another replica reaches the database first and promotes v8.
    AuditEvent promoted = b.plane().submit(allOn("bob", Action.PROMOTE, "v8", 1)).await();
    catchUpUntil(a, () -> a.plane().foldedSeq() == promoted.seq() && a.plane().health().available(), "a folds the promotion");

    assertThat(a.plane().since(0, 10, null, null).await()).extracting(AuditEvent::action).containsExactly(Action.CONFIG, Action.PROMOTE);
    assertThat(a.production()).as("the later change stands on the replica that held the rollback").isEqualTo(b.production());
    assertThat(a.production().weights()).containsEntry("v8", 100);
    assertThat(a.told()).extracting(AuditEvent::action).containsExactly(Action.CONFIG);
  }
}
