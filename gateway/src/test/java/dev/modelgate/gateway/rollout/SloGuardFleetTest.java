package dev.modelgate.gateway.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.BreachRuns;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowFigures;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.FileLedger;
import dev.modelgate.gateway.state.RoutingState;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard of one replica in a fleet, with the other replicas' figures given: a follower publishes
 * and never decides, the leader judges the sum and names each replica's counts, a replica that
 * becomes the leader carries on the previous leader's breach run, and one cut off from the fleet
 * judges its own windows alone.
 */
class SloGuardFleetTest {
  private static final long SECOND = 1_000_000_000L;
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  private static final String MODEL = "support-agent";
  // One latency bucket (a few ms): the figures' latency is not what these tests judge.
  private static final int BUCKET = 50;

  @TempDir
  Path dir;

  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final FakeFleet fleet = new FakeFleet();
  private Vertx vertx;
  // SloGuard is confined to one context, as Gateway runs it: its callbacks come back there.
  private Context control;
  private WorkerExecutor writer;
  private FileLedger ledger;
  private ControlPlane plane;
  private GatewayMetrics metrics;
  private SloGuard guard;
  private RoutingState routing;

  @BeforeEach
  void openAReplica() throws Exception {
    vertx = Vertx.vertx();
    control = vertx.getOrCreateContext();
    writer = vertx.createSharedWorkerExecutor("slo-guard-fleet-test-writer", 1);
    ledger = FileLedger.open(dir);
    SloWindows windows = new SloWindows(now::get);
    routing = new RoutingState(name -> null, url -> EndpointGate.UNGUARDED, windows::routingChanged);
    plane = ControlPlane.open(ledger, routing, writer, registry(), Clock.systemUTC(), List.of());
    metrics = new GatewayMetrics();
    guard = new SloGuard(routing, windows, plane, fleet, metrics, now::get);
  }

  @AfterEach
  void close() throws Exception {
    writer.close();
    ledger.close();
    metrics.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
  private void evaluateDueOnControl() throws Exception {
    OnContext.run(control, guard::evaluateDue);
  }


  private static Registry registry() {
    Map<String, ModelVersion> versions = new LinkedHashMap<>();
    for (String id : List.of("v7", "v8")) {
      versions.put(id, new ModelVersion(id, "s3://m/" + id, "m", List.of("http://127.0.0.1:9"), null, Map.of(), null));
    }
    SloPolicy policy = new SloPolicy(Duration.ofSeconds(60), INTERVAL, 30, 0.05, Duration.ofSeconds(2), null, 2, Duration.ofMinutes(10));
    Map<String, Integer> weights = new LinkedHashMap<>();
    weights.put("v7", 0);
    weights.put("v8", 100);
    Alias production = new Alias("production", weights, "v7", 1, policy, null);
    return new Registry(Map.of(MODEL, new Model(MODEL, "production", null, null, List.of(), versions, Map.of("production", production))));
  }

  private static GuardFleet.ReplicaFigures failing(String replica, long requests) {
    return new GuardFleet.ReplicaFigures(replica, MODEL, "production", "v8", WindowFigures.of(Map.of(BUCKET, requests), requests));
  }

  private void evaluateAfterAnInterval() throws Exception {
    now.addAndGet(INTERVAL.toNanos());
    evaluateDueOnControl();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 10 * SECOND;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " within 10 s");
      }
      Thread.sleep(5);
    }
  }

  private List<AuditEvent> autoRollbacks() throws Exception {
    return plane.since(0, 100, null, null).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).stream()
        .filter(e -> e.action() == Action.AUTO_ROLLBACK).toList();
  }

  private void becomeLeader() throws Exception {
    fleet.leads = true;
    evaluateDueOnControl();
    await(guard::leads, "leading");
    // The first evaluation of a new leader is one interval after it starts watching.
    evaluateDueOnControl();
  }

  @Test
  void aFollowerPublishesItsFiguresEachIntervalButNeverDecides() throws Exception {
    fleet.others.addAll(List.of(failing("b", 20), failing("c", 20)));
    evaluateDueOnControl();
    for (int i = 0; i < 4; i++) {
      evaluateAfterAnInterval();
    }

    assertThat(guard.leads()).isFalse();
    assertThat(fleet.published).hasSize(4).allSatisfy(figures -> assertThat(figures.versions()).containsOnlyKeys("v7", "v8"));
    assertThat(autoRollbacks()).isEmpty();
    assertThat(plane.guardMemory().runs(MODEL, "production")).as("no runs saved by a follower").isNull();
  }

  @Test
  void theLeaderJudgesTheSumOfEveryReplicasFiguresAndNamesEachReplicasCounts() throws Exception {
    // Neither replica alone has min_requests (30); together they have.
    fleet.others.addAll(List.of(failing("b", 15), failing("c", 15)));
    becomeLeader();

    evaluateAfterAnInterval();
    await(() -> plane.guardMemory().runs(MODEL, "production") != null, "the first breach saved");
    // The save's completion may lag its effect: an evaluation due while it is in flight waits for the next tick.
    for (int tick = 0; tick < 100 && autoRollbacks().isEmpty(); tick++) {
      evaluateAfterAnInterval();
      Thread.sleep(20);
    }

    // Read back from the ledger file, as the audit API does: JSON integers come back as Integer.
    AuditEvent rollback = autoRollbacks().get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> canary = ((List<Map<String, Object>>) rollback.evidence().get("canaries")).get(0);
    assertThat(canary).containsEntry("version", "v8").containsEntry("requests", 30).containsEntry("failures", 30)
        .containsEntry("consecutive_breaches", 2);
    assertThat(rollback.evidence().get("replicas")).asList().containsExactly(
        Map.of("replica", "a", "version", "v7", "requests", 0, "failures", 0),
        Map.of("replica", "a", "version", "v8", "requests", 0, "failures", 0),
        Map.of("replica", "b", "version", "v8", "requests", 15, "failures", 15),
        Map.of("replica", "c", "version", "v8", "requests", 15, "failures", 15));
  }

  @Test
  void aNewLeaderCarriesOnThePreviousLeadersBreachRun() throws Exception {
    fleet.others.addAll(List.of(failing("b", 15), failing("c", 15)));
    evaluateDueOnControl();
    // The previous leader saw one failing evaluation and saved it in the shared store.
    ledger.saveBreachRuns(new BreachRuns(MODEL, "production", Clock.systemUTC().instant(), Map.of("v8", 1)));

    becomeLeader();
    evaluateAfterAnInterval();

    await(() -> !autoRollbacksUnchecked().isEmpty(), "an auto_rollback on the new leader's first failing evaluation");
    assertThat(autoRollbacks()).hasSize(1);
  }

  private List<AuditEvent> autoRollbacksUnchecked() {
    try {
      return autoRollbacks();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aReplicaCutOffFromTheFleetJudgesItsOwnWindowsAloneAndRollsBack() throws Exception {
    // The others' figures are out of reach with the store: only this replica's own requests count.
    fleet.others.addAll(List.of(failing("b", 100)));
    AliasTarget production = (AliasTarget) routing.table().lookup(MODEL);
    for (int i = 0; i < 40; i++) {
      guard.record(production.pick(), 1_000_000, true);
    }
    fleet.cutOff = true;

    evaluateDueOnControl();
    for (int tick = 0; tick < 10 && autoRollbacks().isEmpty(); tick++) {
      evaluateAfterAnInterval();
      Thread.sleep(20);
    }

    List<AuditEvent> rollbacks = autoRollbacks();
    assertThat(rollbacks).hasSize(1);
    assertThat(rollbacks.get(0).reason()).isEqualTo("v8 breached error_rate (judged by replica a alone: the fleet's store could not be reached)");
    assertThat(rollbacks.get(0).evidence().get("replicas")).asList().containsExactly(
        Map.of("replica", "a", "version", "v7", "requests", 0, "failures", 0),
        Map.of("replica", "a", "version", "v8", "requests", 40, "failures", 40));
    assertThat(routing.table().registry().models().get(MODEL).aliases().get("production").weights()).isEqualTo(Map.of("v7", 100));
    assertThat(guard.leads()).isFalse();
    assertThat(plane.guardMemory().runs(MODEL, "production")).as("no runs saved while cut off").isNull();
  }
}
