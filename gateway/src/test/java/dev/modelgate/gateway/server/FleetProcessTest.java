package dev.modelgate.gateway.server;

import static dev.modelgate.gateway.server.Fleet.PROPAGATES_WITHIN;
import static dev.modelgate.gateway.server.Fleet.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.gateway.server.Fleet.Replica;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import dev.modelgate.gateway.state.postgres.EmbeddedDatabase;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * A fleet: three real {@code modelgate serve} processes started together with one config file on one
 * (embedded) PostgreSQL. The file is recorded once, a change acknowledged by one replica routes on
 * the others, {@code if_revision} holds across them, and a lost LISTEN connection loses nothing.
 * The tests run in order on the same fleet, each reading the state it starts from.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetProcessTest {
  private static final String ALIAS = "/admin/v1/models/support-agent/aliases/production";

  @TempDir
  static Path dir;

  private Fleet fleet;
  private HttpClient http;
  private List<Replica> replicas;
  private Vertx vertx;
  private String database;
  private Path config;

  @BeforeAll
  void startAFleetOfThree() throws Exception {
    vertx = Vertx.vertx();
    Simulator backend = Simulator.start(vertx, SimOptions.defaults().withTtft(Duration.ZERO).withTokens(1))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    String url = EmbeddedDatabase.newDatabase();
    database = url.substring(url.lastIndexOf('/') + 1);
    fleet = new Fleet(dir, Map.of());
    http = fleet.http;
    replicas = fleet.replicas;
    config = fleet.config;
    writeConfig(url, "http://127.0.0.1:" + backend.port(), "");
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

  private void writeConfig(String url, String endpoint, String extraAliases) throws IOException {
    Files.writeString(config, """
        server: {port: 0, admin_port: 0, host: 127.0.0.1, drain_timeout: 0s}
        state: {kind: postgres, url: "%1$s", pool_size: 2}
        access_log: "off"
        auth:
          admin_tokens: [{token_env: MODELGATE_ADMIN_TOKEN, role: admin}]
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: ["%2$s"]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: ["%2$s"]}
            aliases:
              production: {weights: {v7: 100, v8: 0}, stable: v7}
        %3$s
          summarizer:
            versions:
              v1: {artifact: "s3://s/v1", served_model: s, endpoints: ["%2$s"]}
            aliases:
              production: {weights: {v1: 100}}
        """.formatted(url, endpoint, extraAliases));
  }

  private HttpResponse<String> put(Replica replica, String body) throws Exception {
    return fleet.put(replica, ALIAS, body);
  }

  private static String allOn(String version, long ifRevision) {
    String other = version.equals("v7") ? "v8" : "v7";
    return "{\"weights\":{\"" + version + "\":100,\"" + other + "\":0},\"stable\":\"v7\",\"if_revision\":" + ifRevision + "}";
  }

  private String routedVersion(Replica replica) throws Exception {
    return fleet.routedVersion(replica, "support-agent");
  }

  private long untilRouted(List<Replica> followers, String version, long since) throws Exception {
    return fleet.untilRouted(followers, "support-agent", version, since);
  }

  private List<JsonNode> audit(Replica replica, String query) throws Exception {
    return fleet.audit(replica, query);
  }

  private long lastSeq(Replica replica) throws Exception {
    return fleet.lastSeq(replica);
  }

  private long revision(Replica replica) throws Exception {
    return fleet.getJson(replica, ALIAS).path("revision").asLong();
  }

  @Test
  @Order(1)
  void replicasStartedTogetherRecordTheConfigFileOnce() throws Exception {
    for (Replica replica : replicas) {
      List<JsonNode> events = audit(replica, "");
      assertThat(events).extracting(e -> e.path("action").asText() + " " + e.path("model").asText())
          .containsExactlyInAnyOrder("config support-agent", "config summarizer");
      assertThat(routedVersion(replica)).isEqualTo("v7");
    }
  }

  @Test
  @Order(2)
  void anEditOfTheSharedFileIsAppliedOnceByTheFleet() throws Exception {
    long before = lastSeq(replicas.get(0));
    String url = EmbeddedDatabase.url(database);
    String endpoint = Files.readString(config).replaceAll("(?s).*endpoints: \\[\"([^\"]+)\"\\].*", "$1");
    writeConfig(url, endpoint, "      staging: {weights: {v8: 100}}");

    long deadline = System.nanoTime() + PROPAGATES_WITHIN.toNanos();
    for (Replica replica : replicas) {
      int status;
      do {
        status = http.send(get(replica, "/admin/v1/models/support-agent/aliases/staging"), HttpResponse.BodyHandlers.discarding()).statusCode();
      } while (status != 200 && System.nanoTime() < deadline);
      assertThat(status).as("replica " + replica.name() + " has the staging alias").isEqualTo(200);
    }
    // Every replica checks the file each second: give the slowest two more checks to (wrongly) record it again.
    Thread.sleep(2_500);
    List<JsonNode> events = audit(replicas.get(1), "?since=" + before);
    assertThat(events).extracting(e -> e.path("action").asText() + " " + e.path("model").asText()).containsExactly("config support-agent");
  }

  @Test
  @Order(3)
  void aChangeAcknowledgedByOneReplicaRoutesOnTheOthers() throws Exception {
    int changes = 200;
    long[] millis = new long[changes];
    long revision = revision(replicas.get(0));
    for (int i = 0; i < changes; i++) {
      Replica writer = replicas.get(i % 3);
      String version = i % 2 == 0 ? "v8" : "v7";
      HttpResponse<String> response = put(writer, allOn(version, revision));
      long acknowledged = System.nanoTime();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      revision++;
      List<Replica> followers = replicas.stream().filter(r -> r != writer).toList();
      millis[i] = TimeUnit.NANOSECONDS.toMillis(untilRouted(followers, version, acknowledged));
      assertThat(routedVersion(writer)).isEqualTo(version);
    }
    Arrays.sort(millis);
    System.out.printf("fleet propagation over %d changes (200 from one replica to both others routing by it): p50 %d ms, p99 %d ms, max %d ms%n",
        changes, millis[changes / 2], millis[(int) Math.ceil(changes * 0.99) - 1], millis[changes - 1]);
    for (Replica replica : replicas) {
      assertThat(revision(replica)).isEqualTo(revision);
    }
  }

  @Test
  @Order(4)
  void ofTwentyConcurrentChangesWithOneRevisionAcrossTheFleetExactlyOneWins() throws Exception {
    long revision = revision(replicas.get(0));
    long lastSeq = lastSeq(replicas.get(0));
    int writers = 20;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(writers);
    List<Future<Integer>> statuses = new ArrayList<>();
    try {
      for (int i = 0; i < writers; i++) {
        Replica replica = replicas.get(i % 3);
        String body = allOn(i % 2 == 0 ? "v8" : "v7", revision);
        statuses.add(threads.submit(() -> {
          go.await();
          return put(replica, body).statusCode();
        }));
      }
      go.countDown();
      List<Integer> answered = new ArrayList<>();
      for (Future<Integer> status : statuses) {
        answered.add(status.get(60, TimeUnit.SECONDS));
      }
      assertThat(answered).filteredOn(s -> s == 200).hasSize(1);
      assertThat(answered).filteredOn(s -> s == 409).hasSize(writers - 1);
    } finally {
      threads.shutdownNow();
    }
    assertThat(audit(replicas.get(2), "?since=" + lastSeq)).hasSize(1);
    long deadline = System.nanoTime() + PROPAGATES_WITHIN.toNanos();
    for (Replica replica : replicas) {
      while (revision(replica) != revision + 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(revision(replica)).as("replica " + replica.name()).isEqualTo(revision + 1);
    }
  }

  @Test
  @Order(5)
  void killingTheListenConnectionsDoesNotStopPropagation() throws Exception {
    String listeners = "FROM pg_stat_activity WHERE datname = '" + database + "' AND application_name LIKE 'modelgate-listen:%'";
    assertThat(EmbeddedDatabase.number("SELECT count(*) " + listeners)).isEqualTo(3);
    assertThat(EmbeddedDatabase.number("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) " + listeners + ") AS killed")).isEqualTo(3);

    long revision = revision(replicas.get(0));
    String version = routedVersion(replicas.get(0)).equals("v7") ? "v8" : "v7";
    HttpResponse<String> response = put(replicas.get(0), allOn(version, revision));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    untilRouted(replicas.subList(1, 3), version, System.nanoTime());

    long deadline = System.nanoTime() + PROPAGATES_WITHIN.toNanos();
    while (EmbeddedDatabase.number("SELECT count(*) " + listeners) < 3 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(EmbeddedDatabase.number("SELECT count(*) " + listeners)).as("every replica listens again").isEqualTo(3);
    String back = version.equals("v7") ? "v8" : "v7";
    assertThat(put(replicas.get(2), allOn(back, revision + 1)).statusCode()).isEqualTo(200);
    untilRouted(replicas.subList(0, 2), back, System.nanoTime());
  }

  @Test
  @Order(6)
  void aReplicaStoppedWithSigtermClosesItsConnectionsAndExitsZeroWhileTheOthersServe() throws Exception {
    Replica leaving = replicas.get(2);
    // Its replica id is the default, <hostname>-<pid>, and names its connections.
    String its = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database + "' AND application_name LIKE 'modelgate%:%-"
        + leaving.process().pid() + "'";
    assertThat(EmbeddedDatabase.number(its)).as("its pool and its LISTEN connection").isGreaterThanOrEqualTo(2);

    leaving.process().destroy();
    assertThat(leaving.process().waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(leaving.process().exitValue()).as(Files.readString(leaving.log())).isZero();
    long deadline = System.nanoTime() + PROPAGATES_WITHIN.toNanos();
    while (EmbeddedDatabase.number(its) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(EmbeddedDatabase.number(its)).as("connections left open").isZero();

    long revision = revision(replicas.get(0));
    String version = routedVersion(replicas.get(0)).equals("v7") ? "v8" : "v7";
    assertThat(put(replicas.get(0), allOn(version, revision)).statusCode()).isEqualTo(200);
    untilRouted(List.of(replicas.get(1)), version, System.nanoTime());
  }
}
