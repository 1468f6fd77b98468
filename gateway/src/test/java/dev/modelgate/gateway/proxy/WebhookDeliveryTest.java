package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.state.postgres.EmbeddedDatabase;
import dev.modelgate.gateway.webhook.DeliveryPolicy;
import dev.modelgate.gateway.webhook.WebhookReceiver;
import dev.modelgate.gateway.webhook.WebhookReceiver.Delivery;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks end to end: a real gateway records events, and loopback receivers check what arrives —
 * the signature of every body, the order, retries and the {@code events} filter.
 */
class WebhookDeliveryTest {
  private static final String SECRET = "s3cret-for-tests";
  private static final Map<String, String> ENV = Map.of("HOOK_SECRET", SECRET);
  // Milliseconds instead of the default's seconds; the give-up bound is far beyond any test's need.
  private static final DeliveryPolicy FAST = new DeliveryPolicy(Duration.ofMillis(5), Duration.ofMillis(40), Duration.ofSeconds(20),
      10_000, Duration.ofSeconds(2), Duration.ofSeconds(10));

  private final GatewayHarness harness = new GatewayHarness();

  @AfterEach
  void close() {
    harness.close();
  }

  /** Two models, so the start-up records two config events (seq 1 and 2). */
  private static String config(String webhooks) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: ["http://127.0.0.1:9"]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: ["http://127.0.0.1:9"]}
            aliases:
              production: {weights: {v7: 90, v8: 10}, stable: v7}
          summarizer:
            versions:
              v1: {artifact: "s3://s/v1", served_model: s, endpoints: ["http://127.0.0.1:9"]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        webhooks:
        """ + webhooks;
  }

  private static String hook(WebhookReceiver receiver, String extra) {
    return "  - {url: \"http://127.0.0.1:" + receiver.port() + "/hook\", secret_env: HOOK_SECRET" + extra + "}\n";
  }

  private static AuditEvent setWeights(Gateway gateway, int canary) {
    return GatewayHarness.await(gateway.controlPlane().submit(registry -> {
      Alias production = registry.models().get("support-agent").aliases().get("production");
      AliasState before = AliasState.of(production);
      return new AuditEventDraft(Instant.now(), "sre", Action.SET_WEIGHTS, "support-agent", "production",
          new Change.AliasChanged(before, new AliasState(Map.of("v7", 100 - canary, "v8", canary), "v7", before.revision() + 1)),
          "move the canary", Map.of());
    }));
  }

  @Test
  void postsEveryEventSignedAndInSeqOrderStartUpConfigEventsIncluded() throws Exception {
    WebhookReceiver receiver = WebhookReceiver.start(harness.vertx, delivery -> Future.succeededFuture(204));
    Gateway gateway = harness.start(config(hook(receiver, "")), ENV, FAST);
    setWeights(gateway, 20);
    setWeights(gateway, 30);

    List<Delivery> deliveries = receiver.take(4, GatewayHarness.WAIT);

    List<AuditEvent> recorded = GatewayHarness.await(gateway.controlPlane().since(0, 100, null, null));
    assertThat(deliveries).extracting(Delivery::seq).containsExactly(1L, 2L, 3L, 4L);
    assertThat(deliveries).extracting(Delivery::body).containsExactlyElementsOf(recorded.stream().map(EventJson::write).toList());
    assertThat(deliveries).extracting(Delivery::event).containsExactly("config", "config", "set_weights", "set_weights");
    assertThat(deliveries).allSatisfy(delivery -> {
      assertThat(delivery.signature()).isEqualTo("sha256=" + WebhookReceiver.hmac(SECRET, delivery.body()));
      assertThat(delivery.contentType()).isEqualTo("application/json");
    });
    awaitMetric("modelgate_webhook_deliveries_total{host=\"127.0.0.1\",outcome=\"delivered\",webhook=\"0\"} 4.0");
  }

  @Test
  void retriesAReceiverThatFailsTwiceThenDeliversTheLaterEventsInOrder() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    WebhookReceiver receiver = WebhookReceiver.start(harness.vertx, delivery -> Future.succeededFuture(calls.incrementAndGet() <= 2 ? 500 : 200));
    Gateway gateway = harness.start(config(hook(receiver, "")), ENV, FAST);
    setWeights(gateway, 20);

    List<Delivery> deliveries = receiver.take(5, GatewayHarness.WAIT);

    assertThat(deliveries).extracting(Delivery::seq).containsExactly(1L, 1L, 1L, 2L, 3L);
    assertThat(deliveries.get(0).body()).isEqualTo(deliveries.get(2).body());
    assertThat(deliveries).allSatisfy(delivery -> assertThat(delivery.signature()).isEqualTo("sha256=" + WebhookReceiver.hmac(SECRET, delivery.body())));
    awaitMetric("modelgate_webhook_deliveries_total{host=\"127.0.0.1\",outcome=\"delivered\",webhook=\"0\"} 3.0");
    awaitMetric("modelgate_webhook_failed_attempts_total{host=\"127.0.0.1\",webhook=\"0\"} 2.0");
  }

  @Test
  void sendsEachUrlOnlyTheActionsItsEventsList() throws Exception {
    WebhookReceiver weightsOnly = WebhookReceiver.start(harness.vertx, delivery -> Future.succeededFuture(200));
    WebhookReceiver everything = WebhookReceiver.start(harness.vertx, delivery -> Future.succeededFuture(200));
    Gateway gateway = harness.start(config(hook(weightsOnly, ", events: [set_weights, promote]") + hook(everything, "")), ENV, FAST);
    setWeights(gateway, 20);

    // Each URL is delivered in order, so nothing can arrive at either after its set_weights event.
    assertThat(weightsOnly.take(1, GatewayHarness.WAIT)).extracting(Delivery::seq).containsExactly(3L);
    assertThat(everything.take(3, GatewayHarness.WAIT)).extracting(Delivery::seq).containsExactly(1L, 2L, 3L);
    assertThat(weightsOnly.received()).isEmpty();
  }

  @Test
  void givesUpOnAnEventAfterTheBoundedTimeAndDeliversTheNext() throws Exception {
    WebhookReceiver receiver = WebhookReceiver.start(harness.vertx, delivery -> Future.succeededFuture(delivery.seq() == 1 ? 503 : 200));
    DeliveryPolicy briefly = new DeliveryPolicy(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMillis(150), 10_000,
        Duration.ofSeconds(2), Duration.ofSeconds(10));
    harness.start(config(hook(receiver, "")), ENV, briefly);

    List<Delivery> deliveries = new ArrayList<>();
    // Bounded: at least 2.5 ms between attempts, so about 60 attempts fit in 150 ms.
    for (int i = 0; i < 1_000 && (deliveries.isEmpty() || deliveries.get(deliveries.size() - 1).seq() == 1); i++) {
      deliveries.addAll(receiver.take(1, GatewayHarness.WAIT));
    }

    assertThat(deliveries).hasSizeGreaterThan(2);
    assertThat(deliveries.subList(0, deliveries.size() - 1)).extracting(Delivery::seq).containsOnly(1L);
    assertThat(deliveries.get(deliveries.size() - 1).seq()).isEqualTo(2L);
    awaitMetric("modelgate_webhook_deliveries_total{host=\"127.0.0.1\",outcome=\"given_up\",webhook=\"0\"} 1.0");
  }

  @Test
  void inAFleetRetriesGivesUpRecordsTheGiveUpAndDeliversTheNextFromTheLedger() throws Exception {
    WebhookReceiver receiver = WebhookReceiver.start(harness.vertx, delivery -> Future.succeededFuture(delivery.seq() == 1 ? 503 : 200));
    DeliveryPolicy briefly = new DeliveryPolicy(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMillis(300), 10_000,
        Duration.ofSeconds(2), Duration.ofSeconds(10));
    String url = EmbeddedDatabase.newDatabase();
    Gateway gateway = harness.start(config(hook(receiver, "")) + "state: {kind: postgres, url: \"" + url + "\"}\n", ENV, briefly);
    setWeights(gateway, 20);

    List<Delivery> deliveries = new ArrayList<>();
    // Bounded: at least 2.5 ms between attempts, so about 120 attempts fit in 300 ms.
    for (int i = 0; i < 1_000 && (deliveries.isEmpty() || deliveries.get(deliveries.size() - 1).seq() != 3); i++) {
      deliveries.addAll(receiver.take(1, GatewayHarness.WAIT));
    }

    assertThat(deliveries).hasSizeGreaterThan(3);
    assertThat(deliveries.subList(0, deliveries.size() - 2)).extracting(Delivery::seq).containsOnly(1L);
    assertThat(deliveries.subList(deliveries.size() - 2, deliveries.size())).extracting(Delivery::seq).containsExactly(2L, 3L);
    List<AuditEvent> recorded = GatewayHarness.await(gateway.controlPlane().since(0, 100, null, null));
    assertThat(deliveries.get(deliveries.size() - 1).body()).isEqualTo(EventJson.write(recorded.get(2)));
    assertThat(deliveries).allSatisfy(delivery -> assertThat(delivery.signedWith(SECRET)).isTrue());
    awaitMetric("modelgate_webhook_deliveries_total{host=\"127.0.0.1\",outcome=\"given_up\",webhook=\"0\"} 1.0");
    awaitMetric("modelgate_webhook_deliveries_total{host=\"127.0.0.1\",outcome=\"delivered\",webhook=\"0\"} 2.0");
    awaitMetric("modelgate_webhook_failed_attempts_total{host=\"127.0.0.1\",webhook=\"0\"} " + (deliveries.size() - 2) + ".0");
    String database = url.substring(url.lastIndexOf('/') + 1);
    assertThat(EmbeddedDatabase.text(database, "SELECT seq || ' ' || attempts || ' ' || last_failure FROM modelgate_webhook_given_up"))
        .isEqualTo("1 " + (deliveries.size() - 2) + " answered 503");
    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    while (EmbeddedDatabase.number(database, "SELECT delivered_through FROM modelgate_webhook_cursors") < 3 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(EmbeddedDatabase.number(database, "SELECT delivered_through FROM modelgate_webhook_cursors")).isEqualTo(3);
  }

  @Test
  void dropsEventsBeyondTheQueueBoundWithoutHoldingUpChanges() throws Exception {
    Promise<Integer> release = Promise.promise();
    WebhookReceiver receiver = WebhookReceiver.start(harness.vertx, delivery -> delivery.seq() == 1 ? release.future() : Future.succeededFuture(200));
    DeliveryPolicy twoQueued = new DeliveryPolicy(Duration.ofMillis(5), Duration.ofMillis(40), Duration.ofSeconds(20), 2,
        Duration.ofSeconds(2), Duration.ofSeconds(20));
    Gateway gateway = harness.start(config(hook(receiver, "")), ENV, twoQueued);
    assertThat(receiver.take(1, GatewayHarness.WAIT)).extracting(Delivery::seq).containsExactly(1L);

    // Seq 1 is held by the receiver and seq 2 waits behind it: 3, 4 and 5 find the queue full.
    setWeights(gateway, 20);
    setWeights(gateway, 30);
    setWeights(gateway, 40);
    awaitMetric("modelgate_webhook_deliveries_total{host=\"127.0.0.1\",outcome=\"dropped\",webhook=\"0\"} 3.0");
    release.complete(200);

    assertThat(receiver.take(1, GatewayHarness.WAIT)).extracting(Delivery::seq).containsExactly(2L);
    awaitMetric("modelgate_webhook_deliveries_total{host=\"127.0.0.1\",outcome=\"delivered\",webhook=\"0\"} 2.0");
    assertThat(receiver.received()).isEmpty();
  }

  @Test
  void refusesToStartWhenTheSecretVariableIsUnset() {
    assertThatThrownBy(() -> harness.start(config("  - {url: \"http://127.0.0.1:9/hook\", secret_env: HOOK_SECRET}\n"), Map.of()))
        .hasRootCauseMessage("webhooks[0].secret_env: environment variable HOOK_SECRET is not set");
  }

  private void awaitMetric(String line) throws Exception {
    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    String scrape = "";
    while (System.nanoTime() < deadline) {
      scrape = harness.get(harness.adminUri("/metrics")).body();
      if (scrape.lines().anyMatch(line::equals)) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no metric line " + line + " in:\n" + scrape.lines().filter(l -> l.startsWith("modelgate_webhook")).toList());
  }
}
