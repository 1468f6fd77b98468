package dev.modelgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import dev.modelgate.gateway.state.postgres.EmbeddedDatabase;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SLO guard of a fleet: three real {@code modelgate serve} processes on one (embedded)
 * PostgreSQL, one of them leading. A canary failing on every replica, with too few requests on any
 * one replica to be judged but enough in the fleet, is rolled back once for the fleet, and the
 * evidence names each replica's counts; killing the leader with {@code kill -9} hands the lead to
 * another replica within two evaluation intervals. The tests run in order on the same fleet.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetGuardProcessTest {
  private static final String MODEL = "support-agent";
  private static final Duration EVALUATION_INTERVAL = Duration.ofSeconds(2);
  private static final int MIN_REQUESTS = 30;
  /** Per replica: below min_requests alone, above it for the three together. */
  private static final int REQUESTS_PER_REPLICA = 12;
  private static final String LEADER_GAUGE = "modelgate_slo_guard_leader";

  @TempDir
  static Path dir;

  private Fleet fleet;
  private Vertx vertx;
  private String database;

  @BeforeAll
  void startAFleetOfThreeWithAFailingCanary() throws Exception {
    vertx = Vertx.vertx();
    Simulator stable = Simulator.start(vertx, SimOptions.defaults().withTtft(Duration.ZERO).withTokens(1))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    Simulator failing = Simulator.start(vertx, SimOptions.defaults().withTtft(Duration.ZERO).withTokens(1).withErrorRate(1.0))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    fleet = new Fleet(dir, Map.of());
    String url = EmbeddedDatabase.newDatabase();
    database = url.substring(url.lastIndexOf('/') + 1);
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
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: ["http://127.0.0.1:%3$d"]}
            aliases:
              production:
                weights: {v7: 0, v8: 100}
                stable: v7
                slo: {window: 60s, evaluation_interval: %4$ds, min_requests: %5$d, max_error_rate: 0.05,
                      breaches_to_revert: 2, cooldown: 10m}
        """.formatted(url, stable.port(), failing.port(), EVALUATION_INTERVAL.toSeconds(), MIN_REQUESTS));
    fleet.start(List.of("a", "b", "c"));
  }

  @AfterAll
  void stopTheFleet() throws Exception {
    if (fleet != null) {
      fleet.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  /** The replicas leading now, once the fleet agrees on exactly one (bounded wait). */
  private Fleet.Replica theOneLeader(List<Fleet.Replica> candidates, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    List<Fleet.Replica> leading;
    do {
      leading = new ArrayList<>();
      for (Fleet.Replica replica : candidates) {
        if (fleet.gauge(replica, LEADER_GAUGE) == 1) {
          leading.add(replica);
        }
      }
    } while (leading.size() != 1 && System.nanoTime() < deadline);
    assertThat(leading).as("replicas leading the guard").hasSize(1);
    return leading.get(0);
  }

  private List<JsonNode> autoRollbacks() throws Exception {
    return fleet.audit(fleet.replica(0), "").stream().filter(e -> e.path("action").asText().equals("auto_rollback")).toList();
  }

  @Test
  @Order(1)
  void aCanaryFailingOnEveryReplicaIsRolledBackOnceForTheFleetWithEachReplicasCounts() throws Exception {
    theOneLeader(fleet.replicas, Duration.ofSeconds(20));
    for (int i = 0; i < REQUESTS_PER_REPLICA; i++) {
      for (Fleet.Replica replica : fleet.replicas) {
        assertThat(fleet.embed(replica, MODEL).statusCode()).as("v8 fails").isGreaterThanOrEqualTo(500);
      }
    }

    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (autoRollbacks().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(autoRollbacks()).as("an auto_rollback from the fleet's figures").hasSize(1);
    fleet.untilRouted(fleet.replicas, MODEL, "v7", System.nanoTime());
    // Two more evaluations: no replica (leader or not) rolls the alias back a second time.
    Thread.sleep(2 * EVALUATION_INTERVAL.toMillis());
    List<JsonNode> rollbacks = autoRollbacks();
    assertThat(rollbacks).hasSize(1);

    JsonNode evidence = rollbacks.get(0).path("evidence");
    JsonNode canary = evidence.path("canaries").get(0);
    assertThat(canary.path("version").asText()).isEqualTo("v8");
    List<JsonNode> perReplica = new ArrayList<>();
    evidence.path("replicas").forEach(row -> {
      if (row.path("version").asText().equals("v8")) {
        perReplica.add(row);
      }
    });
    assertThat(perReplica).extracting(row -> row.path("replica").asText().replaceAll(".*-", ""))
        .as("each replica's counts, named by its replica id (<hostname>-<pid>)")
        .containsExactlyInAnyOrderElementsOf(fleet.replicas.stream().map(r -> Long.toString(r.process().pid())).toList());
    long total = 0;
    for (JsonNode row : perReplica) {
      assertThat(row.path("requests").asLong()).as("one replica alone is below min_requests").isLessThan(MIN_REQUESTS);
      assertThat(row.path("failures").asLong()).isEqualTo(row.path("requests").asLong());
      total += row.path("requests").asLong();
    }
    assertThat(canary.path("requests").asLong()).as("the fleet's total").isEqualTo(total).isGreaterThanOrEqualTo(MIN_REQUESTS);
    assertThat(canary.path("failures").asLong()).isEqualTo(total);
  }

  @Test
  @Order(2)
  void killingTheLeaderHandsTheLeadToAnotherReplicaWithinTwoEvaluationIntervals() throws Exception {
    Fleet.Replica leader = theOneLeader(fleet.replicas, Duration.ofSeconds(20));
    List<Fleet.Replica> survivors = fleet.replicas.stream().filter(r -> r != leader).toList();

    leader.process().destroyForcibly();
    long killed = System.nanoTime();
    Fleet.Replica next = null;
    while (next == null && System.nanoTime() - killed < Duration.ofSeconds(30).toNanos()) {
      for (Fleet.Replica replica : survivors) {
        if (fleet.gauge(replica, LEADER_GAUGE) == 1) {
          next = replica;
        }
      }
    }
    long failoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
    System.out.printf("slo guard leader failover after kill -9 of replica %s: %d ms to replica %s (evaluation_interval %d ms)%n",
        leader.name(), failoverMillis, next == null ? "none" : next.name(), EVALUATION_INTERVAL.toMillis());

    assertThat(leader.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(next).as("a survivor leads; their logs:%n%s%n%s", Files.readString(survivors.get(0).log()),
        Files.readString(survivors.get(1).log())).isNotNull();
    assertThat(failoverMillis).isLessThanOrEqualTo(2 * EVALUATION_INTERVAL.toMillis());
    assertThat(theOneLeader(survivors, Duration.ofSeconds(5))).isSameAs(next);
    assertThat(Files.readString(next.log())).contains("now leads the fleet's SLO guard");
  }

  @Test
  @Order(3)
  void aLeaderWhoseSessionIsEndedStopsLeadingAtOnceAndTheFleetLeadsAgain() throws Exception {
    List<Fleet.Replica> alive = fleet.replicas.stream().filter(r -> r.process().isAlive()).toList();
    Fleet.Replica leader = theOneLeader(alive, Duration.ofSeconds(20));
    // Its replica id is the default, <hostname>-<pid>, and names its guard connection.
    String session = "FROM pg_stat_activity WHERE datname = '" + database + "' AND application_name LIKE 'modelgate-guard:%-"
        + leader.process().pid() + "'";
    // Cut by hand rather than by a crash: the process lives on, only its session (and so its lock) ends.
    long ended = System.nanoTime();
    assertThat(EmbeddedDatabase.number("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) " + session + ") AS ended")).isEqualTo(1);

    long deadline = ended + Duration.ofSeconds(10).toNanos();
    while (fleet.gauge(leader, LEADER_GAUGE) != 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    long stoppedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ended);
    assertThat(fleet.gauge(leader, LEADER_GAUGE)).as("the old leader still leads after its session ended").isZero();
    assertThat(stoppedMillis).as("stops leading before another could take the lock").isLessThan(EVALUATION_INTERVAL.toMillis());
    assertThat(Files.readString(leader.log())).contains("stops leading");

    theOneLeader(alive, Duration.ofMillis(2 * EVALUATION_INTERVAL.toMillis()));
    System.out.printf("slo guard leader whose session was ended stopped leading after %d ms; the fleet led again after %d ms%n",
        stoppedMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ended));
  }
}
