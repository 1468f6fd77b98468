package dev.modelgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.server.Fleet.Replica;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import dev.modelgate.gateway.state.postgres.EmbeddedDatabase;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static stability: three real {@code modelgate serve} processes under steady traffic while their
 * PostgreSQL is stopped and started again on the same data and port. Not one data-plane request
 * fails and every replica stays ready; {@code /healthz} says degraded, then ok; an admin change
 * during the outage gets 503 {@code state_unavailable} and changes nothing, one after it is
 * recorded and routes everywhere; a rollback the SLO guard decides during the outage routes at once
 * on the replica that decided it and is in the audit log once the database is back; an edit of the
 * config file during the outage is recorded once it is back, once for the fleet.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FleetOutageProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STEADY = "support-agent";
  private static final String GUARDED = "checkout";
  private static final String STEADY_ALIAS = "/admin/v1/models/support-agent/aliases/production";
  private static final int MIN_REQUESTS = 10;
  /** Generous bounds for a loaded machine: what is measured is printed. */
  private static final Duration WITHIN = Duration.ofSeconds(30);

  @TempDir
  static Path dir;

  private Vertx vertx;
  private EmbeddedDatabase.Stoppable database;
  private Fleet fleet;
  private int healthyPort;

  @BeforeAll
  void startAFleetOfThreeOnADatabaseOfItsOwn() throws Exception {
    vertx = Vertx.vertx();
    Simulator healthy = Simulator.start(vertx, SimOptions.defaults().withTtft(Duration.ZERO).withTokens(1))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    Simulator failing = Simulator.start(vertx, SimOptions.defaults().withTtft(Duration.ZERO).withTokens(1).withErrorRate(1.0))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    Files.createDirectories(dir.resolve("replicas"));
    database = new EmbeddedDatabase.Stoppable(dir.resolve("pgdata"));
    fleet = new Fleet(dir.resolve("replicas"), Map.of());
    healthyPort = healthy.port();
    Files.writeString(fleet.config, """
        server: {port: 0, admin_port: 0, host: 127.0.0.1, drain_timeout: 0s}
        state: {kind: postgres, url: "%1$s", pool_size: 2}
        access_log: "off"
        auth:
          admin_tokens: [{token_env: MODELGATE_ADMIN_TOKEN, role: admin}]
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: ["http://127.0.0.1:%2$d"]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: ["http://127.0.0.1:%2$d"]}
            aliases:
              production: {weights: {v7: 100, v8: 0}, stable: v7}
          checkout:
            versions:
              v1: {artifact: "s3://c/v1", served_model: m, endpoints: ["http://127.0.0.1:%2$d"]}
              v2: {artifact: "s3://c/v2", served_model: m, endpoints: ["http://127.0.0.1:%3$d"]}
            aliases:
              production:
                weights: {v1: 0, v2: 100}
                stable: v1
                slo: {window: 60s, evaluation_interval: 1s, min_requests: %4$d, max_error_rate: 0.05,
                      breaches_to_revert: 1, cooldown: 10m}
        """.formatted(database.newDatabase(), healthy.port(), failing.port(), MIN_REQUESTS));
    fleet.start(List.of("a", "b", "c"));
  }

  @AfterAll
  void stopEverything() throws Exception {
    if (fleet != null) {
      fleet.close();
    }
    if (database != null) {
      database.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  /** Requests to the healthy model, round the replicas, and their readiness, until stopped: what failed is counted. */
  private static final class SteadyTraffic implements AutoCloseable {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong notReady = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    SteadyTraffic(Fleet fleet) {
      thread = new Thread(() -> {
        for (int i = 0; running.get(); i++) {
          Replica replica = fleet.replicas.get(i % fleet.replicas.size());
          sent.incrementAndGet();
          try {
            if (fleet.embed(replica, STEADY).statusCode() != 200) {
              failed.incrementAndGet();
            }
            if (i % 10 == 0 && fleet.readiness(replica) != 200) {
              notReady.incrementAndGet();
            }
          } catch (Exception e) {
            failed.incrementAndGet();
          }
        }
      }, "steady-traffic");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(TimeUnit.SECONDS.toMillis(20));
    }
  }

  private void untilEvery(String what, Predicate<Replica> holds) throws Exception {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    for (Replica replica : fleet.replicas) {
      while (!holds.test(replica)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("replica " + replica.name() + ": not " + what + " within " + WITHIN.toSeconds() + " s; its log:\n"
              + Files.readString(replica.log()));
        }
        Thread.sleep(50);
      }
    }
  }

  private boolean says(Replica replica, String state) {
    try {
      return fleet.health(replica).path("state").asText().equals(state);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private List<JsonNode> events(String action, String model) throws Exception {
    return fleet.audit(fleet.replica(1), "?model=" + model + "&limit=1000").stream()
        .filter(event -> event.path("action").asText().equals(action)).toList();
  }

  @Test
  @Timeout(240)
  void aDatabaseStopAndStartChangesNothingUsersSeeAndLosesNothingAcknowledged() throws Exception {
    Replica a = fleet.replica(0);
    Replica b = fleet.replica(1);
    assertThat(fleet.health(a).path("state").asText()).isEqualTo("ok");
    assertThat(fleet.health(a).path("replica").asText()).endsWith("-" + a.process().pid());
    long revision = fleet.getJson(a, STEADY_ALIAS).path("revision").asLong();

    SteadyTraffic traffic = new SteadyTraffic(fleet);
    Thread.sleep(500);
    database.stop();
    long stopped = System.nanoTime();
    long sentBeforeTheStop = traffic.sent.get();
    untilEvery("degraded", replica -> says(replica, "degraded"));
    System.out.printf("database stopped: every replica's /healthz said degraded after %d ms%n", millisSince(stopped));
    assertThat(fleet.gauge(a, "modelgate_state_degraded")).isEqualTo(1);

    // An admin change: refused at once, and nothing changes.
    long asked = System.nanoTime();
    HttpResponse<String> refused = fleet.put(a, STEADY_ALIAS, "{\"weights\":{\"v7\":0,\"v8\":100},\"stable\":\"v7\",\"reason\":\"during the outage\"}");
    long answeredMillis = millisSince(asked);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
    assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("state_unavailable");
    assertThat(answeredMillis).as("answered promptly, not after a timeout").isLessThan(2_000);
    assertThat(fleet.getJson(a, STEADY_ALIAS).path("revision").asLong()).as("the registry still reads, from memory").isEqualTo(revision);
    assertThat(fleet.routedVersion(a, STEADY)).isEqualTo("v7");
    assertThat(fleet.http.send(Fleet.get(a, "/admin/v1/audit"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);

    // The config file gains a model while no replica can record it.
    Files.writeString(fleet.config, Files.readString(fleet.config) + """
          faq:
            versions:
              v1: {artifact: "s3://f/v1", served_model: m, endpoints: ["http://127.0.0.1:%d"]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(healthyPort));

    // The guarded canary fails on replica a: a judges its own windows and rolls back here, at once.
    long failing = System.nanoTime();
    for (int i = 0; i < 2 * MIN_REQUESTS; i++) {
      assertThat(fleet.embed(a, GUARDED).statusCode()).as("v2 fails").isGreaterThanOrEqualTo(500);
    }
    while (!fleet.routedVersion(a, GUARDED).equals("v1")) {
      assertThat(millisSince(failing)).as("replica a rolls back alone; its log:%n%s", Files.readString(a.log()))
          .isLessThan(WITHIN.toMillis());
      Thread.sleep(50);
    }
    System.out.printf("database down: replica a routed %s to its stable version %d ms after its canary's failures%n", GUARDED,
        millisSince(failing));
    assertThat(fleet.routedVersion(b, GUARDED)).as("the other replicas cannot hear of it yet").isEqualTo("v2");

    // Down long enough for several reconnect attempts of every connection (their backoff reaches its 5 s cap).
    while (millisSince(stopped) < 8_000) {
      Thread.sleep(100);
    }
    long sentDuringTheOutage = traffic.sent.get() - sentBeforeTheStop;
    long failedDuringTheOutage = traffic.failed.get();
    database.start();
    long started = System.nanoTime();
    untilEvery("ok again", replica -> says(replica, "ok"));
    System.out.printf("database started: every replica's /healthz said ok after %d ms%n", millisSince(started));
    assertThat(fleet.gauge(a, "modelgate_state_degraded")).isZero();

    // The rollback a held is written, and every replica routes by it.
    fleet.untilRouted(fleet.replicas, GUARDED, "v1", System.nanoTime());
    List<JsonNode> rollbacks = events("auto_rollback", GUARDED);
    assertThat(rollbacks).as("one auto_rollback, written by the replica that applied it").hasSize(1);
    assertThat(rollbacks.get(0).path("reason").asText()).contains("alone").contains(Long.toString(a.process().pid()));

    // The edit made during the outage is recorded once, and every replica routes the new model.
    untilEvery("routing the model the edit added", replica -> {
      try {
        return fleet.embed(replica, "faq").headers().firstValue("x-modelgate-version").orElse("").equals("v1");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    assertThat(events("config", "faq")).as("the edit recorded once for the fleet").hasSize(1);

    // An admin change after the outage is recorded and routes on every replica.
    HttpResponse<String> accepted = fleet.put(b, STEADY_ALIAS, "{\"weights\":{\"v7\":0,\"v8\":100},\"stable\":\"v7\",\"reason\":\"after the outage\"}");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    fleet.untilRouted(fleet.replicas, STEADY, "v8", System.nanoTime());
    assertThat(events("set_weights", STEADY)).extracting(event -> event.path("reason").asText()).containsExactly("after the outage");

    traffic.close();
    System.out.printf("steady traffic through the database stop and start: %d requests (%d while it was down), %d failed (%d while it was"
        + " down); /readyz not 200: %d times%n", traffic.sent.get(), sentDuringTheOutage, traffic.failed.get(), failedDuringTheOutage,
        traffic.notReady.get());
    assertThat(traffic.failed.get()).as("failed data-plane requests").isZero();
    assertThat(traffic.notReady.get()).as("/readyz answers other than 200").isZero();
    assertThat(sentDuringTheOutage).as("requests while the database was down").isGreaterThanOrEqualTo(20);
    for (Replica replica : fleet.replicas) {
      String log = Files.readString(replica.log());
      assertThat(countOf(log, "state: the store cannot be reached")).as("one warning per outage on " + replica.name()).isEqualTo(1);
    }
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static int countOf(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      count++;
    }
    return count;
  }
}
