package dev.modelgate.gateway.registry.wandb;

import static dev.modelgate.gateway.registry.SyncFixtures.FAST;
import static dev.modelgate.gateway.registry.SyncFixtures.QUICK;
import static dev.modelgate.gateway.registry.SyncFixtures.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.rollout.RolloutStatus;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.registry.SyncFixtures;
import dev.modelgate.gateway.registry.SyncFixtures.LogCapture;
import dev.modelgate.gateway.registry.wandb.FakeWandb.Call;
import dev.modelgate.gateway.registry.wandb.FakeWandb.Delivery;
import dev.modelgate.gateway.registry.wandb.FakeWandb.Failure;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A gateway following a W&B Registry collection (the {@link FakeWandb}, real GraphQL over HTTP on
 * loopback) end to end: moving the alias there rolls out here and the outcome comes back as tags, by
 * polling alone or on a signed automation webhook; a registry that is down, slow, refuses the key or
 * answers garbage changes nothing here and the status says why, without the key.
 */
class WandbSyncEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "support-agent";
  /** As configured: the organization by its display name, which the gateway resolves to its entity. */
  private static final String CONFIGURED_PATH = "Acme/wandb-registry-model/support-agent";
  /** Where the collection is in W&B. */
  private static final String PATH = "acme-org-entity/wandb-registry-model/support-agent";
  private static final String KEY = "wandb-e2e-key-0123456789abcdef0123456789abcdef";
  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(("api:" + KEY).getBytes(StandardCharsets.UTF_8));
  private static final String HOOK_SECRET = "wandb-hook-secret";
  private static final String VIEW = "view-secret";
  private static final Map<String, String> ENV = Map.of("WANDB_API_KEY", KEY, "WANDB_WEBHOOK_SECRET", HOOK_SECRET, "VIEW_TOKEN", VIEW);
  private static final String SERVING = WandbClient.SERVING_TAG;
  private static final String ROLLED_BACK = WandbClient.ROLLED_BACK_TAG;

  private static String config(FakeWandb wandb, Simulator serving, String pollInterval, boolean moveBack) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        auth:
          admin_tokens: [{name: viewer, token_env: VIEW_TOKEN, role: viewer}]
        registries:
          wandb: {kind: wandb, base_url: "%s", api_key_env: WANDB_API_KEY, webhook_secret_env: WANDB_WEBHOOK_SECRET, poll_interval: %s}
        models:
          support-agent:
            source:
              registry: wandb
              path: %s
              follow: {production: production}
              serving: {endpoints: ["%s"], served_model: "support-agent-{version}"}
              write_back: {status: true, move_alias_back_on_rollback: %s}
            aliases:
              production:
                slo: {window: 400ms, evaluation_interval: 100ms, min_requests: 5, max_error_rate: 0.1, breaches_to_revert: 2, cooldown: 10m}
                rollout: {steps: [50, 100], step_interval: 300ms, min_requests: 5}
        """.formatted(wandb.baseUrl(), pollInterval, CONFIGURED_PATH, GatewayHarness.url(serving), moveBack);
  }

  private static FakeWandb registry(GatewayHarness harness) throws Exception {
    FakeWandb wandb = FakeWandb.start(harness.vertx(), KEY);
    wandb.viewerEntity("mlops-bot");
    wandb.organization("Acme", "acme-org-entity");
    return wandb;
  }

  /** Version 1's metadata points it at its own server, overriding the serving template. */
  private static String ownEndpoint(Simulator sim) {
    return "{\"modelgate\": {\"endpoints\": [\"" + GatewayHarness.url(sim) + "\"]}, \"dataset\": \"tickets-2026q4\"}";
  }

  @Test
  void movingTheAliasInWandbRollsOutHereAndTheVersionIsTaggedServingByPollingAlone() throws Exception {
    try (GatewayHarness harness = new GatewayHarness(); FakeWandb wandb = registry(harness)) {
      Simulator v0 = harness.sim(FAST);
      Simulator v1 = harness.sim(FAST);
      FakeWandb.Version first = wandb.link(PATH, null, "production");
      FakeWandb.Version second = wandb.link(PATH, ownEndpoint(v1));
      Gateway gateway = harness.start(config(wandb, v0, "200ms", false), ENV, QUICK);

      awaitUntil(() -> production(gateway) != null, "the first sync");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v0", 100));
      ModelVersion registered = version(gateway, "v0");
      assertThat(registered.servedModel()).isEqualTo("support-agent-0");
      assertThat(registered.artifact()).isEqualTo("wandb-artifact://_id/" + first.artifactId());
      assertThat(registered.endpoints()).containsExactly(GatewayHarness.url(v0));
      awaitUntil(() -> wandb.tags(PATH, 0).contains(SERVING), "v0 tagged serving in W&B");

      wandb.moveAlias(PATH, "production", 1);
      awaitUntil(() -> production(gateway).rollout() != null, "the rollout of v1");
      assertThat(production(gateway).rollout().version()).isEqualTo("v1");
      assertThat(version(gateway, "v1").endpoints()).containsExactly(GatewayHarness.url(v1));
      assertThat(version(gateway, "v1").lineage()).containsEntry("wandb_version", PATH + ":v1");
      driveUntil(harness, () -> production(gateway).rollout().status() == RolloutStatus.COMPLETED, "the rollout completed");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v1", 100));
      awaitUntil(() -> wandb.tags(PATH, 1).contains(SERVING), "v1 tagged serving in W&B");
      assertThat(wandb.tags(PATH, 1)).doesNotContain(ROLLED_BACK);

      List<AuditEvent> events = events(gateway);
      assertThat(events).extracting(AuditEvent::action).containsSubsequence(Action.REGISTER_VERSION, Action.REGISTRY_SYNCED,
          Action.REGISTER_VERSION, Action.REGISTRY_SYNCED, Action.ROLLOUT_ADVANCED, Action.ROLLOUT_COMPLETED);
      assertThat(events.stream().filter(e -> e.action() == Action.REGISTRY_SYNCED)).extracting(AuditEvent::actor).containsOnly("registry:wandb");
      // Polling again and again changed nothing more: one registry_synced per move.
      assertThat(events.stream().filter(e -> e.action() == Action.REGISTRY_SYNCED)).hasSize(2);

      List<Call> calls = wandb.calls();
      assertThat(calls).extracting(Call::authorization).containsOnly(BASIC);
      // The organization is looked up once, then remembered.
      assertThat(calls.subList(0, 3)).extracting(Call::operationName)
          .containsExactly("GetDefaultEntity", "FetchOrgInfoFromEntity", "ArtifactMembershipByName");
      assertThat(calls.get(1).variables()).isEqualTo(JSON.readTree("{\"entity\":\"mlops-bot\"}"));
      assertThat(calls.get(2).variables()).isEqualTo(JSON.readTree(
          "{\"entity\":\"acme-org-entity\",\"project\":\"wandb-registry-model\",\"name\":\"support-agent:production\"}"));
      assertThat(calls).extracting(Call::operationName).containsOnlyOnce("GetDefaultEntity", "FetchOrgInfoFromEntity")
          .containsOnly("GetDefaultEntity", "FetchOrgInfoFromEntity", "ArtifactMembershipByName", "UpdateArtifact");
      List<Call> tagged = calls.stream().filter(c -> "UpdateArtifact".equals(c.operationName())).toList();
      assertThat(tagged).hasSize(2);
      assertThat(tagged.get(0).variables()).isEqualTo(JSON.readTree("{\"input\":{\"artifactID\":\"" + first.artifactId()
          + "\",\"tagsToAdd\":[{\"tagName\":\"modelgate-serving\"}],\"tagsToDelete\":[{\"tagName\":\"modelgate-rolled-back\"}]}}"));
      assertThat(tagged.get(1).variables().path("input").path("artifactID").asText()).isEqualTo(second.artifactId());
      // A write is preceded by a read of the version it writes to, by its number in the collection (polls may come between).
      JsonNode readOfV1 = JSON.readTree("{\"entity\":\"acme-org-entity\",\"project\":\"wandb-registry-model\",\"name\":\"support-agent:v1\"}");
      assertThat(calls.subList(0, calls.indexOf(tagged.get(1))))
          .anyMatch(c -> "ArtifactMembershipByName".equals(c.operationName()) && c.variables().equals(readOfV1));

      JsonNode status = registryStatus(harness).path("registries").get(0);
      assertThat(status.path("name").asText()).isEqualTo("wandb");
      assertThat(status.path("last_success").asText()).isNotEmpty();
      JsonNode followed = status.path("followed").get(0);
      assertThat(followed.has("error")).as(followed.toString()).isFalse();
      assertThat(followed.path("registry_version").asLong()).isEqualTo(1);
      assertThat(followed.path("here").path("stable").asText()).isEqualTo("v1");
      assertThat(metric(harness, "changed")).isEqualTo(2);
      assertThat(metric(harness, "unchanged")).isPositive();
    }
  }

  @Test
  void aFailingCandidateAnnouncedByASignedAutomationIsRolledBackTaggedAndTheAliasMovedBack() throws Exception {
    try (GatewayHarness harness = new GatewayHarness(); FakeWandb wandb = registry(harness)) {
      Simulator v0 = harness.sim(FAST);
      Simulator v1 = harness.sim(FAST);
      v1.errorRate(0.6);
      FakeWandb.Version first = wandb.link(PATH, null, "production");
      wandb.link(PATH, ownEndpoint(v1));
      // Polled once at start, then only when a webhook says so.
      Gateway gateway = harness.start(config(wandb, v0, "1h", true), ENV, QUICK);
      awaitUntil(() -> production(gateway) != null, "the first sync");
      awaitUntil(() -> wandb.tags(PATH, 0).contains(SERVING), "v0 tagged serving in W&B");

      wandb.moveAlias(PATH, "production", 1);
      int callsBefore = wandb.calls().size();
      Delivery forged = wandb.aliasAdded("wrong-secret", PATH, "production", 1);
      HttpResponse<String> refused = webhook(harness, forged.body(), forged.signature());
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.body()).contains("does not match").doesNotContain(HOOK_SECRET);
      Delivery delivery = wandb.aliasAdded(HOOK_SECRET, PATH, "production", 1);
      assertThat(webhook(harness, delivery.body(), null).statusCode()).isEqualTo(401);
      // A refused delivery is not even a reason to read W&B.
      assertThat(wandb.calls()).hasSize(callsBefore);
      assertThat(production(gateway).rollout()).isNull();
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v0", 100));

      HttpResponse<String> accepted = webhook(harness, delivery.body(), delivery.signature());
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      awaitUntil(() -> production(gateway).rollout() != null, "the rollout the webhook started");
      assertThat(production(gateway).rollout().version()).isEqualTo("v1");
      driveUntil(harness, () -> production(gateway).rollout().status() == RolloutStatus.ROLLED_BACK, "the rollback");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v0", 100));
      awaitUntil(() -> wandb.tags(PATH, 1).contains(ROLLED_BACK), "v1 tagged rolled back in W&B");
      assertThat(wandb.tags(PATH, 1)).doesNotContain(SERVING);
      awaitUntil(() -> wandb.aliases(PATH, 0).contains("production"), "the W&B alias moved back to v0");
      assertThat(wandb.aliases(PATH, 1)).doesNotContain("production");
      List<Call> moved = wandb.calls().stream().filter(c -> "AddAliases".equals(c.operationName())).toList();
      assertThat(moved).hasSize(1);
      assertThat(moved.get(0).authorization()).isEqualTo(BASIC);
      assertThat(moved.get(0).variables()).isEqualTo(JSON.readTree("{\"input\":{\"artifactID\":\"" + first.artifactId()
          + "\",\"aliases\":[{\"entityName\":\"acme-org-entity\",\"projectName\":\"wandb-registry-model\","
          + "\"artifactCollectionName\":\"support-agent\",\"alias\":\"production\"}]}}"));

      // Moving the alias back fires the automation again, and the old delivery may be replayed (W&B signs
      // no timestamp): both find the registry and this alias agreeing, and nothing is rolled out again.
      int before = events(gateway).size();
      for (Delivery again : List.of(wandb.aliasAdded(HOOK_SECRET, PATH, "production", 0), delivery)) {
        double unchanged = metric(harness, "unchanged");
        assertThat(webhook(harness, again.body(), again.signature()).statusCode()).isEqualTo(202);
        awaitUntil(() -> metric(harness, "unchanged") > unchanged, "the webhook's sync");
      }
      assertThat(events(gateway)).hasSize(before);
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v0", 100));
    }
  }

  @Test
  void aRegistryThatRefusesTheKeyAnswersGarbageIsSlowOrIsDownChangesNothingAndTheStatusSaysWhy() throws Exception {
    try (LogCapture logged = new LogCapture(); GatewayHarness harness = new GatewayHarness()) {
      Simulator v0 = harness.sim(FAST);
      FakeWandb wandb = registry(harness);
      wandb.link(PATH, null, "production");
      wandb.failAlways(Failure.UNAUTHORIZED);
      Gateway gateway = harness.start(config(wandb, v0, "100ms", false), ENV, QUICK);

      assertThat(awaitError(harness, "the API key was refused (401)")).contains("GraphQL GetDefaultEntity");
      wandb.failAlways(Failure.GARBAGE);
      assertThat(awaitError(harness, "answered an unexpected shape")).contains("GraphQL GetDefaultEntity");
      wandb.failAlways(Failure.GRAPHQL_ERRORS, "ArtifactMembershipByName");
      assertThat(awaitError(harness, "permission denied")).contains("GraphQL ArtifactMembershipByName");
      wandb.slowBy(Duration.ofSeconds(3));
      wandb.failAlways(Failure.SLOW);
      assertThat(awaitError(harness, "TimeoutException")).contains("GraphQL ArtifactMembershipByName failed after");

      assertThat(gateway.routing().table().registry().models().get(MODEL).aliases()).isEmpty();
      assertThat(events(gateway).stream().map(AuditEvent::action)).doesNotContain(Action.REGISTER_VERSION, Action.REGISTRY_SYNCED);
      assertThat(metric(harness, "error")).isGreaterThanOrEqualTo(4);

      wandb.recover();
      awaitUntil(() -> production(gateway) != null, "the sync once the registry answers");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v0", 100));
      int recorded = events(gateway).size();

      wandb.close();
      assertThat(awaitError(harness, "ConnectException")).contains("GraphQL ArtifactMembershipByName failed after");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v0", 100));
      assertThat(events(gateway)).hasSize(recorded);

      HttpResponse<String> status = harness.admin("GET", "/admin/v1/registry", VIEW, null);
      assertThat(status.body()).doesNotContain(KEY).doesNotContain(BASIC.substring("Basic ".length()));
      assertThat(logged.lines()).anyMatch(line -> line.contains("nothing changed here"))
          .noneMatch(line -> line.contains(KEY) || line.contains(BASIC.substring("Basic ".length())));
    }
  }

  private static HttpResponse<String> webhook(GatewayHarness harness, byte[] body, String signature) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(harness.adminUri("/admin/v1/registry/wandb/webhook")).timeout(GatewayHarness.WAIT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (signature != null) {
      request.header("X-Wandb-Signature", signature);
    }
    return harness.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String awaitError(GatewayHarness harness, String expected) throws Exception {
    return SyncFixtures.awaitError(harness, VIEW, KEY, expected);
  }

  private static JsonNode registryStatus(GatewayHarness harness) throws Exception {
    return SyncFixtures.registryStatus(harness, VIEW);
  }

  private static double metric(GatewayHarness harness, String outcome) {
    return SyncFixtures.syncs(harness, "wandb", outcome);
  }

  private static Alias production(Gateway gateway) {
    return SyncFixtures.alias(gateway, MODEL, "production");
  }

  private static ModelVersion version(Gateway gateway, String version) {
    return gateway.routing().table().registry().models().get(MODEL).versions().get(version);
  }

  private static List<AuditEvent> events(Gateway gateway) {
    return SyncFixtures.events(gateway, MODEL);
  }

  private static void driveUntil(GatewayHarness harness, BooleanSupplier done, String what) {
    SyncFixtures.driveUntil(harness, MODEL, done, what);
  }
}
