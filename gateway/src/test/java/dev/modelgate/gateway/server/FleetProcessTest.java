package dev.modelgate.gateway.server;

import static dev.modelgate.gateway.server.Fleet.PROPAGATES_WITHIN;
import static dev.modelgate.gateway.server.Fleet.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.server.Fleet.Replica;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import dev.modelgate.gateway.state.postgres.EmbeddedDatabase;
import dev.modelgate.gateway.webhook.WebhookReceiver;
import dev.modelgate.gateway.webhook.WebhookReceiver.Delivery;
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
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
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
 * the others, {@code if_revision} holds across them, a lost LISTEN connection loses nothing, and
 * a webhook receives every event once, from whichever replica, even when one dies mid-delivery.
 * The tests run in order on the same fleet, each reading the state it starts from.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALIAS = "/admin/v1/models/support-agent/aliases/production";
  private static final String HOOK_SECRET = "fleet-test-hook-secret";
  /** A dead holder's lease (10 s) runs out, then the next claim (every 2.5 s) takes it: generous beyond that. */
  private static final Duration TAKEN_OVER_WITHIN = Duration.ofSeconds(45);
  private static final Pattern DELIVERED = Pattern.compile(
      "(?m)^modelgate_webhook_deliveries_total\\{host=\"127\\.0\\.0\\.1\",outcome=\"(\\w+)\",webhook=\"0\"\\} (\\d+)\\.0$");
  private static final Pattern FAILED = Pattern.compile("(?m)^modelgate_webhook_failed_attempts_total\\{[^}]*\\} (\\d+)\\.0$");

  @TempDir
  static Path dir;

  private Fleet fleet;
  private HttpClient http;
  private List<Replica> replicas;
  private Vertx vertx;
  private String database;
  private Path config;
  private WebhookReceiver receiver;
  // What the receiver answers each delivery: 200 unless a test holds them back.
  private final AtomicReference<Function<Delivery, io.vertx.core.Future<Integer>>> answer =
      new AtomicReference<>(delivery -> io.vertx.core.Future.succeededFuture(200));

  @BeforeAll
  void startAFleetOfThree() throws Exception {
    vertx = Vertx.vertx();
    Simulator backend = Simulator.start(vertx, SimOptions.defaults().withTtft(Duration.ZERO).withTokens(1))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    receiver = WebhookReceiver.start(vertx, delivery -> answer.get().apply(delivery));
    String url = EmbeddedDatabase.newDatabase();
    database = url.substring(url.lastIndexOf('/') + 1);
    fleet = new Fleet(dir, Map.of("MODELGATE_HOOK_SECRET", HOOK_SECRET));
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
        webhooks: [{url: "http://127.0.0.1:%4$d/hook", secret_env: MODELGATE_HOOK_SECRET}]
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
        """.formatted(url, endpoint, extraAliases, receiver.port()));
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
  void everyEventIsDeliveredToTheWebhookOnceWhicheverReplicaWroteItSignedAndNamedBySeq() throws Exception {
    for (int i = 0; i < 20; i++) {
      Replica writer = replicas.get(i % 3);
      String version = routedVersion(writer).equals("v7") ? "v8" : "v7";
      HttpResponse<String> response = put(writer, allOn(version, revision(writer)));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      // The next writer decides on this change.
      untilRouted(replicas, version, System.nanoTime());
    }
    long last = lastSeq(replicas.get(0));

    // Every event of every test so far, config events at start-up included.
    Map<Long, List<Delivery>> bySeq = new TreeMap<>();
    long deadline = System.nanoTime() + PROPAGATES_WITHIN.toNanos();
    while (bySeq.size() < last && System.nanoTime() < deadline) {
      Delivery delivery = receiver.received().poll(100, TimeUnit.MILLISECONDS);
      if (delivery != null) {
        bySeq.computeIfAbsent(delivery.seq(), seq -> new ArrayList<>()).add(delivery);
      }
    }
    assertThat(bySeq.keySet()).as("seqs delivered").containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
    List<JsonNode> recorded = new ArrayList<>();
    for (long after = 0; after < last; after = recorded.get(recorded.size() - 1).path("seq").asLong()) {
      recorded.addAll(audit(replicas.get(1), "?since=" + after));
    }
    for (JsonNode event : recorded) {
      List<Delivery> deliveries = bySeq.get(event.path("seq").asLong());
      assertThat(deliveries).as("deliveries of seq " + event.path("seq")).hasSize(1);
      Delivery delivery = deliveries.get(0);
      assertThat(delivery.signedWith(HOOK_SECRET)).as("signature of seq " + delivery.seq()).isTrue();
      assertThat(JSON.readTree(delivery.body())).isEqualTo(event);
      assertThat(delivery.event()).isEqualTo(event.path("action").asText());
    }
    // Each delivery counted once, by the replica that made it; nothing failed, given up or dropped.
    long counted = 0;
    while (System.nanoTime() < deadline && (counted = deliveriesCounted("delivered")) < last) {
      Thread.sleep(20);
    }
    assertThat(counted).isEqualTo(last);
    assertThat(deliveriesCounted("given_up") + deliveriesCounted("dropped") + failedAttemptsCounted()).isZero();
    assertThat(receiver.received()).as("nothing arrived twice meanwhile").isEmpty();
  }

  /** The sum over the live replicas of their webhook's deliveries with {@code outcome}. */
  private long deliveriesCounted(String outcome) throws Exception {
    return deliveriesCounted(replicas, outcome);
  }

  private long deliveriesCounted(List<Replica> of, String outcome) throws Exception {
    long sum = 0;
    for (Replica replica : of) {
      if (replica.process().isAlive()) {
        Matcher line = DELIVERED.matcher(http.send(get(replica, "/metrics"), HttpResponse.BodyHandlers.ofString()).body());
        while (line.find()) {
          sum += line.group(1).equals(outcome) ? Long.parseLong(line.group(2)) : 0;
        }
      }
    }
    return sum;
  }

  private long failedAttemptsCounted() throws Exception {
    long sum = 0;
    for (Replica replica : replicas) {
      Matcher line = FAILED.matcher(http.send(get(replica, "/metrics"), HttpResponse.BodyHandlers.ofString()).body());
      while (line.find()) {
        sum += Long.parseLong(line.group(1));
      }
    }
    return sum;
  }

  @Test
  @Order(7)
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

  @Test
  @Order(8)
  void anEventWhoseDeliveringReplicaIsKilledMidDeliveryArrivesFromAnother() throws Exception {
    List<Replica> alive = replicas.stream().filter(r -> r.process().isAlive()).toList();
    assertThat(alive).hasSize(2);
    long settled = lastSeq(alive.get(0));
    long deadline = System.nanoTime() + TAKEN_OVER_WITHIN.toNanos();
    while (EmbeddedDatabase.number(database, "SELECT delivered_through FROM modelgate_webhook_cursors") < settled && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(EmbeddedDatabase.number(database, "SELECT delivered_through FROM modelgate_webhook_cursors")).isEqualTo(settled);
    answer.set(delivery -> io.vertx.core.Promise.<Integer>promise().future());
    receiver.received().clear();
    long revision = revision(alive.get(0));
    String version = routedVersion(alive.get(0)).equals("v7") ? "v8" : "v7";
    assertThat(put(alive.get(0), allOn(version, revision)).statusCode()).isEqualTo(200);
    long seq = lastSeq(alive.get(0));

    Delivery held = receiver.take(1, PROPAGATES_WITHIN).get(0);
    assertThat(held.seq()).isEqualTo(seq);
    String holder = EmbeddedDatabase.text(database, "SELECT holder FROM modelgate_webhook_cursors");
    Replica delivering = alive.stream().filter(r -> holds(holder, r)).findFirst()
        .orElseThrow(() -> new AssertionError("no live replica holds the webhook: " + holder));
    Replica survivor = alive.get(alive.get(0) == delivering ? 1 : 0);
    long deliveredBefore = deliveriesCounted(List.of(survivor), "delivered");

    answer.set(delivery -> io.vertx.core.Future.succeededFuture(200));
    delivering.process().destroyForcibly();
    assertThat(delivering.process().waitFor(20, TimeUnit.SECONDS)).as("killed").isTrue();
    long killed = System.nanoTime();

    Delivery again = receiver.take(1, TAKEN_OVER_WITHIN).get(0);
    System.out.printf("webhook taken over %d ms after its delivering replica was killed%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
    assertThat(again.seq()).as("the held event, sent again").isEqualTo(seq);
    assertThat(again.body()).isEqualTo(held.body());
    assertThat(again.signedWith(HOOK_SECRET)).isTrue();
    assertThat(holds(EmbeddedDatabase.text(database, "SELECT holder FROM modelgate_webhook_cursors"), survivor)).as("the survivor holds it").isTrue();
    deadline = System.nanoTime() + PROPAGATES_WITHIN.toNanos();
    while (deliveriesCounted(List.of(survivor), "delivered") < deliveredBefore + 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(deliveriesCounted(List.of(survivor), "delivered")).as("the survivor counts its delivery").isEqualTo(deliveredBefore + 1);

    // And the fleet goes on: the next change arrives once.
    String back = version.equals("v7") ? "v8" : "v7";
    assertThat(put(survivor, allOn(back, revision + 1)).statusCode()).isEqualTo(200);
    assertThat(receiver.take(1, PROPAGATES_WITHIN)).extracting(Delivery::seq).containsExactly(seq + 1);
  }

  /** Whether {@code holder} ({@code <replica id>/<random>}) names {@code replica}, whose id is the default {@code <hostname>-<pid>}. */
  private static boolean holds(String holder, Replica replica) {
    return holder.substring(0, holder.lastIndexOf('/')).endsWith("-" + replica.process().pid());
  }
}
