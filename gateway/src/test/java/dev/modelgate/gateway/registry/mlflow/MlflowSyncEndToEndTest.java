package dev.modelgate.gateway.registry.mlflow;

import static dev.modelgate.gateway.registry.SyncFixtures.FAST;
import static dev.modelgate.gateway.registry.SyncFixtures.LIMIT;
import static dev.modelgate.gateway.registry.SyncFixtures.QUICK;
import static dev.modelgate.gateway.registry.SyncFixtures.awaitUntil;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.rollout.RolloutStatus;
import dev.modelgate.gateway.auth.Hmac;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.registry.SyncFixtures;
import dev.modelgate.gateway.registry.SyncFixtures.LogCapture;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;

/**
 * A gateway following an MLflow registry (the {@link MlflowFake}, real HTTP on loopback) end to end:
 * moving the alias there rolls out here and writes the outcome back, by polling alone or on a signed
 * webhook; a registry that is down, slow, refuses the token or answers garbage changes nothing here
 * and the status says why, without the token.
 */
class MlflowSyncEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "support-agent";
  private static final String TOKEN = "mlflow-token-s3cr3t";
  private static final String HOOK_SECRET = "hook-secret";
  private static final String VIEW = "view-secret";
  private static final Map<String, String> ENV = Map.of("MLFLOW_TRACKING_TOKEN", TOKEN, "MLFLOW_WEBHOOK_SECRET", HOOK_SECRET, "VIEW_TOKEN", VIEW);

  private static String config(MlflowFake mlflow, Simulator serving, String pollInterval, boolean moveBack) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        auth:
          admin_tokens: [{name: viewer, token_env: VIEW_TOKEN, role: viewer}]
        registries:
          mlflow: {kind: mlflow, tracking_uri: "%s", token_env: MLFLOW_TRACKING_TOKEN, webhook_secret_env: MLFLOW_WEBHOOK_SECRET,
                   poll_interval: %s}
        models:
          support-agent:
            source:
              registry: mlflow
              path: support-agent
              follow: {production: production}
              serving: {endpoints: ["%s"], served_model: "support-agent-{version}"}
              write_back: {status: true, move_alias_back_on_rollback: %s}
            aliases:
              production:
                slo: {window: 400ms, evaluation_interval: 100ms, min_requests: 5, max_error_rate: 0.1, breaches_to_revert: 2, cooldown: 10m}
                rollout: {steps: [50, 100], step_interval: 300ms, min_requests: 5}
        """.formatted(mlflow.url(), pollInterval, GatewayHarness.url(serving), moveBack);
  }

  @Test
  void movingTheAliasInMlflowRollsOutHereAndTheRegistryHearsItServesByPollingAlone() throws Exception {
    try (GatewayHarness harness = new GatewayHarness(); MlflowFake mlflow = new MlflowFake(harness.vertx(), TOKEN)) {
      Simulator v1 = harness.sim(FAST);
      Simulator v2 = harness.sim(FAST);
      mlflow.version(MODEL, 1, Map.of("team", "support"));
      // The version's own tag points it at its own server, overriding the serving template.
      mlflow.version(MODEL, 2, Map.of("modelgate.endpoints", GatewayHarness.url(v2)));
      mlflow.alias(MODEL, "production", 1);
      Gateway gateway = harness.start(config(mlflow, v1, "200ms", false), ENV, QUICK);

      awaitUntil(() -> production(gateway) != null, "the first sync");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v1", 100));
      assertThat(production(gateway).slo().minRequests()).isEqualTo(5);
      assertThat(gateway.routing().table().registry().models().get(MODEL).versions().get("v1").servedModel()).isEqualTo("support-agent-1");
      awaitUntil(() -> "serving".equals(mlflow.tag(MODEL, 1, "modelgate.status")), "v1 marked serving in MLflow");

      mlflow.alias(MODEL, "production", 2);
      awaitUntil(() -> production(gateway).rollout() != null, "the rollout of v2");
      assertThat(production(gateway).rollout().version()).isEqualTo("v2");
      assertThat(gateway.routing().table().registry().models().get(MODEL).versions().get("v2").endpoints()).containsExactly(GatewayHarness.url(v2));
      driveUntil(harness, () -> production(gateway).rollout().status() == RolloutStatus.COMPLETED, "the rollout completed");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v2", 100));
      awaitUntil(() -> "serving".equals(mlflow.tag(MODEL, 2, "modelgate.status")), "v2 marked serving in MLflow");

      List<AuditEvent> events = events(gateway);
      assertThat(events).extracting(AuditEvent::action).containsSubsequence(Action.REGISTER_VERSION, Action.REGISTRY_SYNCED,
          Action.REGISTER_VERSION, Action.REGISTRY_SYNCED, Action.ROLLOUT_ADVANCED, Action.ROLLOUT_COMPLETED);
      assertThat(events.stream().filter(e -> e.action() == Action.REGISTRY_SYNCED)).extracting(AuditEvent::actor).containsOnly("registry:mlflow");
      // Polling again and again changed nothing more: one registry_synced per move.
      assertThat(events.stream().filter(e -> e.action() == Action.REGISTRY_SYNCED)).hasSize(2);

      MlflowFake.Recorded read = mlflow.requests("GET", "registered-models/alias").get(0);
      assertThat(read.query()).isEqualTo(Map.of("name", MODEL, "alias", "production"));
      assertThat(read.authorization()).isEqualTo("Bearer " + TOKEN);
      MlflowFake.Recorded tagged = mlflow.requests("POST", "model-versions/set-tag").get(0);
      assertThat(tagged.body()).isEqualTo(JSON.readTree("{\"name\":\"support-agent\",\"version\":\"1\",\"key\":\"modelgate.status\",\"value\":\"serving\"}"));
      assertThat(tagged.authorization()).isEqualTo("Bearer " + TOKEN);
      assertThat(mlflow.requests("POST", "registered-models/alias")).isEmpty();

      JsonNode status = registryStatus(harness).path("registries").get(0);
      assertThat(status.path("name").asText()).isEqualTo("mlflow");
      assertThat(status.path("last_success").asText()).isNotEmpty();
      JsonNode followed = status.path("followed").get(0);
      assertThat(followed.has("error")).as(followed.toString()).isFalse();
      assertThat(followed.path("registry_version").asLong()).isEqualTo(2);
      assertThat(followed.path("here").path("stable").asText()).isEqualTo("v2");
      assertThat(harness.metric("modelgate_registry_sync_total", "registry", "mlflow", "outcome", "changed")).isEqualTo(2);
      assertThat(harness.metric("modelgate_registry_sync_total", "registry", "mlflow", "outcome", "unchanged")).isPositive();
    }
  }

  @Test
  void aFailingCandidateIsRolledBackTaggedAndTheAliasMovedBackOnASignedWebhook() throws Exception {
    try (GatewayHarness harness = new GatewayHarness(); MlflowFake mlflow = new MlflowFake(harness.vertx(), TOKEN)) {
      Simulator v1 = harness.sim(FAST);
      Simulator v2 = harness.sim(FAST);
      v2.errorRate(0.6);
      mlflow.version(MODEL, 1, Map.of());
      mlflow.version(MODEL, 2, Map.of("modelgate.endpoints", GatewayHarness.url(v2)));
      mlflow.alias(MODEL, "production", 1);
      // Polled once at start, then only when a webhook says so.
      Gateway gateway = harness.start(config(mlflow, v1, "1h", true), ENV, QUICK);
      awaitUntil(() -> production(gateway) != null, "the first sync");

      mlflow.alias(MODEL, "production", 2);
      String body = "{\"entity\":\"model_version_alias\",\"action\":\"created\",\"timestamp\":\"" + Instant.now()
          + "\",\"data\":{\"name\":\"support-agent\",\"alias\":\"production\",\"version\":\"2\"}}";
      String delivery = UUID.randomUUID().toString();
      long now = Instant.now().getEpochSecond();
      HttpResponse<String> forged = webhook(harness, body, delivery, now, "wrong-secret");
      assertThat(forged.statusCode()).isEqualTo(401);
      assertThat(forged.body()).contains("does not match").doesNotContain(HOOK_SECRET);
      assertThat(production(gateway).rollout()).isNull();
      assertThat(webhook(harness, body, UUID.randomUUID().toString(), now - 600, HOOK_SECRET).statusCode()).isEqualTo(401);

      HttpResponse<String> accepted = webhook(harness, body, delivery, now, HOOK_SECRET);
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      HttpResponse<String> replayed = webhook(harness, body, delivery, now, HOOK_SECRET);
      assertThat(replayed.statusCode()).isEqualTo(401);
      assertThat(replayed.body()).contains("delivered already");

      awaitUntil(() -> production(gateway).rollout() != null, "the rollout the webhook started");
      driveUntil(harness, () -> production(gateway).rollout().status() == RolloutStatus.ROLLED_BACK, "the rollback");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v1", 100));
      awaitUntil(() -> "rolled_back".equals(mlflow.tag(MODEL, 2, "modelgate.status")), "v2 marked rolled_back in MLflow");
      awaitUntil(() -> "1".equals(mlflow.aliasTarget(MODEL, "production")), "the MLflow alias moved back to 1");
      MlflowFake.Recorded movedBack = mlflow.requests("POST", "registered-models/alias").get(0);
      assertThat(movedBack.body()).isEqualTo(JSON.readTree("{\"name\":\"support-agent\",\"alias\":\"production\",\"version\":\"1\"}"));

      // Another webhook now finds the registry and this alias agreeing: nothing is rolled out again.
      int before = events(gateway).size();
      double unchanged = harness.metric("modelgate_registry_sync_total", "registry", "mlflow", "outcome", "unchanged");
      assertThat(webhook(harness, body, UUID.randomUUID().toString(), Instant.now().getEpochSecond(), HOOK_SECRET).statusCode()).isEqualTo(202);
      awaitUntil(() -> metric(harness, "unchanged") > unchanged, "the webhook's sync");
      assertThat(events(gateway)).hasSize(before);
    }
  }

  @Test
  void aRegistryThatIsDownSlowRefusesTheTokenOrAnswersGarbageChangesNothingAndTheStatusSaysWhy() throws Exception {
    try (LogCapture logged = new LogCapture(); GatewayHarness harness = new GatewayHarness(); MlflowFake mlflow = new MlflowFake(harness.vertx(), TOKEN)) {
      Simulator v1 = harness.sim(FAST);
      mlflow.version(MODEL, 1, Map.of());
      mlflow.alias(MODEL, "production", 1);
      mlflow.mode(MlflowFake.Mode.DOWN);
      Gateway gateway = harness.start(config(mlflow, v1, "100ms", false), ENV, QUICK);

      assertThat(awaitError(harness, "answered 503")).contains("GET registered-models/alias");
      mlflow.mode(MlflowFake.Mode.UNAUTHORIZED);
      assertThat(awaitError(harness, "answered 401")).contains("UNAUTHENTICATED");
      mlflow.mode(MlflowFake.Mode.GARBAGE);
      assertThat(awaitError(harness, "unexpected shape")).contains("not the published JSON");
      mlflow.slowBy(Duration.ofSeconds(3));
      assertThat(awaitError(harness, "TimeoutException")).contains("failed after");

      assertThat(gateway.routing().table().registry().models().get(MODEL).aliases()).isEmpty();
      assertThat(events(gateway).stream().map(AuditEvent::action)).doesNotContain(Action.REGISTER_VERSION, Action.REGISTRY_SYNCED);
      HttpResponse<String> status = harness.admin("GET", "/admin/v1/registry", VIEW, null);
      assertThat(status.body()).doesNotContain(TOKEN);
      assertThat(harness.metric("modelgate_registry_sync_total", "registry", "mlflow", "outcome", "error")).isGreaterThanOrEqualTo(4);

      mlflow.mode(MlflowFake.Mode.HEALTHY);
      awaitUntil(() -> production(gateway) != null, "the sync once the registry is back");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v1", 100));
      assertThat(logged.lines()).anyMatch(line -> line.contains("nothing changed here")).noneMatch(line -> line.contains(TOKEN));
    }
  }

  @Test
  void aWriteBackTheRegistryRefusesIsShownAndRetriedUntilItIsTaken() throws Exception {
    try (GatewayHarness harness = new GatewayHarness(); MlflowFake mlflow = new MlflowFake(harness.vertx(), TOKEN)) {
      Simulator v1 = harness.sim(FAST);
      mlflow.version(MODEL, 1, Map.of());
      mlflow.alias(MODEL, "production", 1);
      mlflow.failWrites(true);
      Gateway gateway = harness.start(config(mlflow, v1, "100ms", false), ENV, QUICK);
      awaitUntil(() -> production(gateway) != null, "the first sync");

      JsonNode pending = awaitPending(harness);
      assertThat(pending.path("what").asText()).isEqualTo("serving on version 1 of support-agent");
      assertThat(pending.path("last_error").asText()).contains("POST model-versions/set-tag").contains("503").doesNotContain(TOKEN);
      // Routing never waited for it.
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v1", 100));

      mlflow.failWrites(false);
      awaitUntil(() -> "serving".equals(mlflow.tag(MODEL, 1, "modelgate.status")), "the write-back taken");
      awaitUntil(() -> statusOf(harness).path("pending_write_backs").isEmpty(), "no write-back pending");
    }
  }

  private static JsonNode awaitPending(GatewayHarness harness) throws Exception {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (true) {
      JsonNode pending = registryStatus(harness).path("registries").get(0).path("pending_write_backs");
      if (!pending.isEmpty() && pending.get(0).has("last_error")) {
        return pending.get(0);
      }
      assertThat(System.nanoTime()).as("waiting for a failed write-back in the status").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static JsonNode statusOf(GatewayHarness harness) {
    try {
      return registryStatus(harness).path("registries").get(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aRestartReplaysTheSyncedAliasAndRecordsNothingNew(@TempDir Path state) throws Exception {
    try (GatewayHarness backends = new GatewayHarness(); MlflowFake mlflow = new MlflowFake(backends.vertx(), TOKEN)) {
      Simulator v1 = backends.sim(FAST);
      mlflow.version(MODEL, 1, Map.of());
      mlflow.alias(MODEL, "production", 1);
      String yaml = config(mlflow, v1, "100ms", false) + "state: {dir: \"" + state + "\"}\n";
      int recorded;
      try (GatewayHarness first = new GatewayHarness()) {
        Gateway gateway = first.start(yaml, ENV, QUICK);
        awaitUntil(() -> production(gateway) != null, "the first sync");
        recorded = events(gateway).size();
      }
      try (GatewayHarness second = new GatewayHarness()) {
        Gateway gateway = second.start(yaml, ENV, QUICK);
        assertThat(production(gateway).weights()).isEqualTo(Map.of("v1", 100));
        assertThat(production(gateway).slo().minRequests()).isEqualTo(5);
        double unchanged = metric(second, "unchanged");
        awaitUntil(() -> metric(second, "unchanged") > unchanged, "a sync after the restart");
        assertThat(events(gateway)).hasSize(recorded);
      }
    }
  }

  private static HttpResponse<String> webhook(GatewayHarness harness, String body, String delivery, long timestamp, String secret) throws Exception {
    byte[] mac = Hmac.sha256(secret.getBytes(UTF_8), (delivery + "." + timestamp + "." + body).getBytes(UTF_8));
    HttpRequest request = HttpRequest.newBuilder(harness.adminUri("/admin/v1/registry/mlflow/webhook")).timeout(GatewayHarness.WAIT)
        .header("Content-Type", "application/json")
        .header("X-MLflow-Delivery-Id", delivery)
        .header("X-MLflow-Timestamp", Long.toString(timestamp))
        .header("X-MLflow-Signature", "v1," + Base64.getEncoder().encodeToString(mac))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return harness.http().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String awaitError(GatewayHarness harness, String expected) throws Exception {
    return SyncFixtures.awaitError(harness, VIEW, TOKEN, expected);
  }

  private static JsonNode registryStatus(GatewayHarness harness) throws Exception {
    return SyncFixtures.registryStatus(harness, VIEW);
  }

  private static double metric(GatewayHarness harness, String outcome) {
    return SyncFixtures.syncs(harness, "mlflow", outcome);
  }

  private static Alias production(Gateway gateway) {
    return SyncFixtures.alias(gateway, MODEL, "production");
  }

  private static List<AuditEvent> events(Gateway gateway) {
    return SyncFixtures.events(gateway, MODEL);
  }

  private static void driveUntil(GatewayHarness harness, BooleanSupplier done, String what) {
    SyncFixtures.driveUntil(harness, MODEL, done, what);
  }
}
