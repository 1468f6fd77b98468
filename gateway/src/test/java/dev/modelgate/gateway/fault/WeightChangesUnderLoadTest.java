package dev.modelgate.gateway.fault;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.sim.SimOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An operator flips an alias between two versions hundreds of times while clients keep sending: no
 * request fails, and each is served by a version that some weight set in force during its lifetime
 * allowed. With 100/0 ↔ 0/100, every answer that fell between two changes is checked exactly.
 * Makes up to {@code modelgate.weight.changes} changes (1,000) within {@code modelgate.weight.seconds}
 * (12 s by default, as each one fsyncs the ledger; {@code mvn verify -Psoak} gives it 120 s).
 */
class WeightChangesUnderLoadTest {
  private static final int CLIENTS = 32;
  private static final int MAX_CHANGES = Integer.getInteger("modelgate.weight.changes", 1000);
  private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(Long.getLong("modelgate.weight.seconds", 12));
  private static final int MIN_CHANGES = 20;
  // After every this many changes, hold the weights until a request has been sent and answered under them.
  private static final int SETTLE_EVERY = 10;
  private static final String OPERATOR = "operator-secret";
  private static final GatewayHarness harness = new GatewayHarness();

  /** One admin PUT: the version it sends all traffic to, between when it was sent and when it was acknowledged. */
  private record Change(String version, long sentNanos, long ackedNanos) {}

  /** One client request: when it was sent, when its answer arrived, and what served it. */
  private record Served(long sentNanos, long receivedNanos, int status, String version) {}

  @BeforeAll
  static void start() throws Exception {
    SimOptions fast = SimOptions.defaults().withTtft(Duration.ZERO).withInterTokenLatency(Duration.ZERO).withTokens(1);
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1}
        access_log: "off"
        auth: {admin_tokens: [{token_env: OPERATOR_TOKEN, role: operator}]}
        models:
          flip:
            versions:
              v1: {artifact: "s3://m/v1", served_model: m, endpoints: ["%s"]}
              v2: {artifact: "s3://m/v2", served_model: m, endpoints: ["%s"]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(url(harness.sim(fast)), url(harness.sim(fast))), Map.of("OPERATOR_TOKEN", OPERATOR));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  private static Change put(String version, int ifRevision) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(harness.adminUri("/admin/v1/models/flip/aliases/production")).timeout(GatewayHarness.WAIT)
        .header("authorization", "Bearer " + OPERATOR)
        .PUT(HttpRequest.BodyPublishers.ofString(
            "{\"weights\":{\"" + version + "\":100},\"reason\":\"flip\",\"if_revision\":" + ifRevision + "}"))
        .build();
    long sent = System.nanoTime();
    HttpResponse<String> response = harness.http().send(request, HttpResponse.BodyHandlers.ofString());
    long acked = System.nanoTime();
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(ClientAnswer.JSON.readTree(response.body()).path("revision").asInt()).isEqualTo(ifRevision + 1);
    return new Change(version, sent, acked);
  }

  @Test
  void servesEveryRequestByAVersionItsWeightsAllowedWhileWeightsFlipHundredsOfTimes() throws Exception {
    ConcurrentLinkedQueue<Served> served = new ConcurrentLinkedQueue<>();
    AtomicLong lastAnsweredSentAt = new AtomicLong(Long.MIN_VALUE);
    AtomicBoolean flipping = new AtomicBoolean(true);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      running.add(clients.submit(() -> {
        go.await();
        for (int i = 0; flipping.get() && i < 1_000_000; i++) {
          long sent = System.nanoTime();
          HttpResponse<String> response = harness.post("/v1/chat/completions", chat("flip"));
          served.add(new Served(sent, System.nanoTime(), response.statusCode(), response.headers().firstValue("x-modelgate-version").orElse(null)));
          lastAnsweredSentAt.accumulateAndGet(sent, Math::max);
        }
        return null;
      }));
    }
    // Change 0 is the configuration the gateway started with.
    List<Change> changes = new ArrayList<>(List.of(new Change("v1", Long.MIN_VALUE, Long.MIN_VALUE)));
    long start = System.nanoTime();
    go.countDown();
    try {
      for (int k = 1; k <= MAX_CHANGES && System.nanoTime() - start < BUDGET_NANOS; k++) {
        Change change = put(k % 2 == 1 ? "v2" : "v1", k);
        changes.add(change);
        if (k % SETTLE_EVERY == 0) {
          long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
          while (lastAnsweredSentAt.get() <= change.ackedNanos() && System.nanoTime() < deadline) {
            Thread.sleep(1);
          }
        }
      }
    } finally {
      flipping.set(false);
    }
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    for (Future<?> client : running) {
      client.get(GatewayHarness.WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    clients.shutdown();

    int exact = 0;
    for (Served answer : served) {
      assertThat(answer.status()).isEqualTo(200);
      List<String> allowed = allowedDuring(changes, answer.sentNanos(), answer.receivedNanos());
      assertThat(answer.version()).as("served between %d and %d", answer.sentNanos(), answer.receivedNanos()).isIn(allowed);
      if (allowed.size() == 1) {
        exact++;
      }
    }
    int made = changes.size() - 1;
    System.out.printf("weights flipped %d times in %d ms under %d clients; %d requests, %d of them inside one weight set%n",
        made, tookMillis, CLIENTS, served.size(), exact);
    assertThat(made).isGreaterThanOrEqualTo(MIN_CHANGES);
    // At least the answer each settled change waited for fell between two changes.
    assertThat(exact).isGreaterThanOrEqualTo(made / SETTLE_EVERY);
  }

  /**
   * The versions a request may have been routed to: those of every change that may have been in
   * force at some moment between its send and its answer. Change k may take effect as soon as it is
   * sent and stays until change k + 1 is acknowledged.
   */
  private static List<String> allowedDuring(List<Change> changes, long sent, long received) {
    List<String> allowed = new ArrayList<>();
    for (int k = 0; k < changes.size(); k++) {
      long from = changes.get(k).sentNanos();
      long until = k + 1 < changes.size() ? changes.get(k + 1).ackedNanos() : Long.MAX_VALUE;
      if (from <= received && until >= sent && !allowed.contains(changes.get(k).version())) {
        allowed.add(changes.get(k).version());
      }
    }
    return allowed;
  }
}
