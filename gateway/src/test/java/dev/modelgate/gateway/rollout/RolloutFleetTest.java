package dev.modelgate.gateway.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.RolloutMachine;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.rollout.Transition;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowFigures;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.FileLedger;
import dev.modelgate.gateway.state.RoutingState;
import io.vertx.core.Future;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One replica's part in driving a rollout in a fleet, with the other replicas' figures given: only
 * the leader moves the rollout, and it judges the fleet's requests, not its own share of them.
 */
class RolloutFleetTest {
  private static final long SECOND = 1_000_000_000L;
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  private static final Duration WINDOW = Duration.ofSeconds(30);
  private static final String MODEL = "support-agent";
  private static final int FAST_BUCKET = 50;
  private static final RolloutPlan PLAN = new RolloutPlan(List.of(10, 50, 100), Duration.ofSeconds(30), 40, List.of(), null, null);

  @TempDir
  Path dir;

  private final AtomicLong ticker = new AtomicLong(1_000 * SECOND);
  private final AtomicReference<Instant> wallClock = new AtomicReference<>(Instant.parse("2026-05-01T12:00:00Z"));
  private final FakeFleet fleet = new FakeFleet();
  private Vertx vertx;
  // SloGuard is confined to one context, as Gateway runs it: its callbacks come back there.
  private Context control;
  private WorkerExecutor writer;
  private FileLedger ledger;
  private ControlPlane plane;
  private GatewayMetrics metrics;
  private SloGuard guard;

  /** Wall time the test moves by hand, as the ticker is. */
  private final class TestClock extends Clock {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return wallClock.get();
    }
  }

  @BeforeEach
  void openAReplicaRollingOut() throws Exception {
    vertx = Vertx.vertx();
    control = vertx.getOrCreateContext();
    writer = vertx.createSharedWorkerExecutor("rollout-fleet-test-writer", 1);
    ledger = FileLedger.open(dir);
    SloWindows windows = new SloWindows(ticker::get);
    RoutingState routing = new RoutingState(name -> null, url -> EndpointGate.UNGUARDED, windows::routingChanged);
    plane = ControlPlane.open(ledger, routing, writer, registry(), new TestClock(), List.of());
    metrics = new GatewayMetrics();
    guard = new SloGuard(routing, windows, plane, fleet, metrics, ticker::get);
    await(plane.submit(registry -> {
      Alias production = registry.models().get(MODEL).aliases().get("production");
      Transition started = (Transition) RolloutMachine.start(null, PLAN, "v8", "v7", "ops", wallClock.get());
      return RolloutDriver.draft(wallClock.get(), "ops", MODEL, "production", AliasState.of(production), started, null, Map.of());
    }));
  }

  @AfterEach
  void close() throws Exception {
    writer.close();
    ledger.close();
    metrics.close();
    await(vertx.close());
  }
  private void evaluateDueOnControl() throws Exception {
    OnContext.run(control, guard::evaluateDue);
  }


  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Registry registry() {
    Map<String, ModelVersion> versions = new LinkedHashMap<>();
    for (String id : List.of("v7", "v8")) {
      versions.put(id, new ModelVersion(id, "s3://m/" + id, "m", List.of("http://127.0.0.1:9"), null, Map.of(), null));
    }
    SloPolicy policy = new SloPolicy(WINDOW, INTERVAL, 20, 0.05, Duration.ofSeconds(2), null, 2, Duration.ofMinutes(10));
    Alias production = new Alias("production", Map.of("v7", 100), "v7", 1, policy, null);
    return new Registry(Map.of(MODEL, new Model(MODEL, "production", null, null, List.of(), versions, Map.of("production", production))));
  }

  private static GuardFleet.ReplicaFigures candidate(String replica, long requests, long failures) {
    return new GuardFleet.ReplicaFigures(replica, MODEL, "production", "v8", WindowFigures.of(Map.of(FAST_BUCKET, requests), failures));
  }

  private List<AuditEvent> rolloutEvents() throws Exception {
    return await(plane.since(0, 100, null, null)).stream().filter(e -> e.action().isRollout() || e.action() == Action.AUTO_ROLLBACK).toList();
  }

  /** Moves both clocks one interval on and evaluates, then waits for what it wrote. */
  private void evaluateAfterAnInterval() throws Exception {
    ticker.addAndGet(INTERVAL.toNanos());
    wallClock.updateAndGet(t -> t.plus(INTERVAL));
    evaluateDueOnControl();
    // The writer runs in order: an empty submit completes once whatever the evaluation wrote is written.
    await(plane.submit(registry -> null));
  }

  private void becomeLeader() throws Exception {
    fleet.leads = true;
    evaluateDueOnControl();
    long deadline = System.nanoTime() + 10 * SECOND;
    while (!guard.leads()) {
      assertThat(System.nanoTime()).as("leading").isLessThan(deadline);
      Thread.sleep(5);
    }
    evaluateDueOnControl();
  }

  @Test
  void aFollowerNeverMovesTheRolloutHoweverLongItsStepHasPassed() throws Exception {
    fleet.others.addAll(List.of(candidate("b", 30, 0), candidate("c", 30, 0)));
    evaluateDueOnControl();
    for (int i = 0; i < 20; i++) {
      evaluateAfterAnInterval();
    }

    assertThat(rolloutEvents()).extracting(AuditEvent::action).containsExactly(Action.ROLLOUT_STARTED);
  }

  @Test
  void theLeaderAdvancesOnTheFleetsRequestsThoughItServedNoneItself() throws Exception {
    // Neither other replica alone has the plan's min_requests (40); together they have, all healthy.
    fleet.others.addAll(List.of(candidate("b", 25, 0), candidate("c", 25, 0)));
    becomeLeader();
    for (int i = 0; i < 20 && rolloutEvents().size() < 2; i++) {
      evaluateAfterAnInterval();
    }

    List<AuditEvent> events = rolloutEvents();
    assertThat(events).extracting(AuditEvent::action).containsExactly(Action.ROLLOUT_STARTED, Action.ROLLOUT_ADVANCED);
    assertThat(((Change.AliasChanged) events.get(1).change()).after().weights()).isEqualTo(Map.of("v7", 50, "v8", 50));
    assertThat(events.get(1).actor()).isEqualTo(RolloutDriver.ACTOR);
    assertThat(events.get(1).reason()).contains("step 1 (10 %) passed: 50 requests");
  }

  @Test
  void theLeaderRollsBackOnTheFleetsFailuresAndNamesEachReplicasCounts() throws Exception {
    fleet.others.addAll(List.of(candidate("b", 15, 15), candidate("c", 15, 15)));
    becomeLeader();
    for (int i = 0; i < 20 && rolloutEvents().size() < 2; i++) {
      evaluateAfterAnInterval();
    }

    List<AuditEvent> events = rolloutEvents();
    assertThat(events).extracting(AuditEvent::action).containsExactly(Action.ROLLOUT_STARTED, Action.AUTO_ROLLBACK);
    AuditEvent rollback = events.get(1);
    assertThat(((Change.AliasChanged) rollback.change()).after().weights()).isEqualTo(Map.of("v7", 100));
    assertThat(rollback.evidence().get("replicas")).asList().contains(
        Map.of("replica", "b", "version", "v8", "requests", 15, "failures", 15),
        Map.of("replica", "c", "version", "v8", "requests", 15, "failures", 15));
  }
}
