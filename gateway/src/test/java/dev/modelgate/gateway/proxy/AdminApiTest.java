package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API of docs/admin-api.md against a real gateway: roles, every route, conflicts, and the data plane obeying at once. */
class AdminApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final GatewayHarness harness = new GatewayHarness();
  private static final String VIEWER = "viewer-secret";
  private static final String OPERATOR = "operator-secret";
  private static final String ADMIN = "admin-secret";
  private static Simulator sim;

  @BeforeAll
  static void start() throws Exception {
    sim = harness.sim(SimOptions.defaults().withTtft(java.time.Duration.ofMillis(1)).withTokens(2));
    harness.start(GatewayHarness.adminFixture(url(sim)) + """
          cas-target:
            versions:
              v1: {artifact: "s3://m/v1", served_model: m, endpoints: [%1$s]}
              v2: {artifact: "s3://m/v2", served_model: m, endpoints: [%1$s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(url(sim)), Map.of("VIEWER_TOKEN", VIEWER, "OPERATOR_TOKEN", OPERATOR, "ADMIN_TOKEN", ADMIN));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  private static HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
    return harness.admin(method, path, token, body);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private static List<JsonNode> audit(String query) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    json(call("GET", "/admin/v1/audit" + query, VIEWER, null)).path("events").forEach(events::add);
    return events;
  }

  @Test
  void refusesCallsWithoutAValidTokenAndCallsAboveTheTokensRole() throws Exception {
    assertThat(call("GET", "/admin/v1/models", null, null).statusCode()).isEqualTo(401);
    assertThat(call("GET", "/admin/v1/models", "wrong", null).statusCode()).isEqualTo(401);
    assertThat(call("PUT", "/admin/v1/models/support-agent/aliases/production", VIEWER, "{\"weights\":{\"v7\":100}}").statusCode()).isEqualTo(403);
    assertThat(call("POST", "/admin/v1/models/support-agent/versions", OPERATOR, "{}").statusCode()).isEqualTo(403);
    HttpResponse<String> forbidden = call("POST", "/admin/v1/models/support-agent/aliases/production/rollback", VIEWER, "{}");
    assertThat(json(forbidden).path("error").path("message").asText()).contains("operator");
    assertThat(call("GET", "/admin/v1/audit?model=no-such", VIEWER, null).statusCode()).isEqualTo(200);
  }

  @Test
  void showsModelsEvenWithASlashInTheirNameAndAnAliasWithItsLiveSloFigures() throws Exception {
    JsonNode models = json(call("GET", "/admin/v1/models", VIEWER, null));
    JsonNode llama = json(call("GET", "/admin/v1/models/meta-llama%2FLlama-3.1-8B", VIEWER, null));
    harness.post("/v1/chat/completions", chat("support-agent"));
    JsonNode alias = json(call("GET", "/admin/v1/models/support-agent/aliases/production", VIEWER, null));

    assertThat(models.path("models").findValuesAsText("name")).contains("support-agent", "meta-llama/Llama-3.1-8B");
    assertThat(llama.path("versions").path("v3").path("artifact").asText()).isEqualTo("hf://meta-llama/Llama-3.1-8B");
    assertThat(alias.path("model").asText()).isEqualTo("support-agent");
    assertThat(alias.path("stable").asText()).isIn("v7", "v8");
    assertThat(alias.path("revision").asLong()).isPositive();
    assertThat(alias.path("slo").path("max_error_rate").asDouble()).isEqualTo(0.05);
    assertThat(alias.path("slo").path("versions").has("v7")).isTrue();
    assertThat(call("GET", "/admin/v1/models/nope", VIEWER, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/admin/v1/models/support-agent/aliases/nope", VIEWER, null).statusCode()).isEqualTo(404);
  }

  @Test
  void movesWeightsThatTheDataPlaneObeysOnTheNextRequestAndRecordsWhoDidIt() throws Exception {
    long revision = json(call("GET", "/admin/v1/models/meta-llama%2FLlama-3.1-8B/aliases/production", VIEWER, null)).path("revision").asLong();
    call("POST", "/admin/v1/models/meta-llama%2FLlama-3.1-8B/versions", ADMIN,
        "{\"version\":\"v4\",\"artifact\":\"hf://meta-llama/Llama-3.1-8B@v4\",\"served_model\":\"llama-4\",\"endpoints\":[\"" + url(sim) + "\"],\"lineage\":{}}");

    HttpResponse<String> put = call("PUT", "/admin/v1/models/meta-llama%2FLlama-3.1-8B/aliases/production", OPERATOR,
        "{\"weights\":{\"v3\":0,\"v4\":100},\"stable\":\"v3\",\"reason\":\"all on v4\",\"if_revision\":" + revision + "}");

    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(json(put).path("revision").asLong()).isEqualTo(revision + 1);
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> answer = harness.post("/v1/chat/completions", chat("meta-llama/Llama-3.1-8B"));
      assertThat(answer.headers().firstValue("x-modelgate-version")).hasValue("v4");
      assertThat(answer.headers().firstValue("x-modelgate-route")).hasValue("canary");
    }
    JsonNode event = audit("?model=meta-llama/Llama-3.1-8B&alias=production").get(0);
    assertThat(event.path("action").asText()).isEqualTo("set_weights");
    assertThat(event.path("actor").asText()).isEqualTo("token:OPERATOR_TOKEN");
    assertThat(event.path("reason").asText()).isEqualTo("all on v4");
    assertThat(event.path("after").path("weights").path("v4").asInt()).isEqualTo(100);
  }

  @Test
  void refusesInvalidWeightsWith422AndAStaleRevisionWith409WritingNothing() throws Exception {
    int before = audit("").size();
    HttpResponse<String> sum = call("PUT", "/admin/v1/models/support-agent/aliases/production", OPERATOR, "{\"weights\":{\"v7\":90,\"v8\":5}}");
    HttpResponse<String> unknown = call("PUT", "/admin/v1/models/support-agent/aliases/production", OPERATOR, "{\"weights\":{\"v7\":90,\"v9\":10}}");
    HttpResponse<String> stale = call("PUT", "/admin/v1/models/support-agent/aliases/production", OPERATOR, "{\"weights\":{\"v7\":100},\"if_revision\":999}");
    HttpResponse<String> malformed = call("PUT", "/admin/v1/models/support-agent/aliases/production", OPERATOR, "{\"weights\":");

    assertThat(sum.statusCode()).isEqualTo(422);
    assertThat(json(sum).path("error").path("message").asText()).contains("models.support-agent.aliases.production.weights: sum is 95 (expected: 100)");
    assertThat(unknown.statusCode()).isEqualTo(422);
    assertThat(json(unknown).path("error").path("message").asText()).contains("unknown version 'v9'");
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(audit("")).hasSize(before);
  }

  @Test
  void letsExactlyOneOfTwentyConcurrentWritesWithTheSameRevisionWin() throws Exception {
    long revision = json(call("GET", "/admin/v1/models/cas-target/aliases/production", VIEWER, null)).path("revision").asLong();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int canary = i + 1;
      String body = "{\"weights\":{\"v1\":" + (100 - canary) + ",\"v2\":" + canary + "},\"if_revision\":" + revision + "}";
      calls.add(harness.http.sendAsync(HttpRequest.newBuilder(harness.adminUri("/admin/v1/models/cas-target/aliases/production"))
          .timeout(GatewayHarness.WAIT).header("authorization", "Bearer " + OPERATOR)
          .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> byStatus = new java.util.HashMap<>();
    calls.forEach(c -> byStatus.merge(c.join().statusCode(), 1, Integer::sum));

    assertThat(byStatus).isEqualTo(Map.of(200, 1, 409, 19));
    assertThat(audit("?model=cas-target&alias=production")).hasSize(1);
  }

  @Test
  void registersAVersionOnceAndAcceptsTheSameContentAgain() throws Exception {
    String body = "{\"version\":\"v9\",\"artifact\":\"s3://m/v9\",\"served_model\":\"sa-9\",\"endpoints\":[\"" + url(sim) + "\"],\"lineage\":{\"code_commit\":\"abc\"}}";

    assertThat(call("POST", "/admin/v1/models/support-agent/versions", ADMIN, body).statusCode()).isEqualTo(201);
    assertThat(call("POST", "/admin/v1/models/support-agent/versions", ADMIN, body).statusCode()).isEqualTo(200);
    assertThat(call("POST", "/admin/v1/models/support-agent/versions", ADMIN, body.replace("sa-9", "other")).statusCode()).isEqualTo(409);
    assertThat(call("POST", "/admin/v1/models/support-agent/versions", ADMIN, "{\"version\":\"v10\"}").statusCode()).isEqualTo(400);
    assertThat(audit("?model=support-agent").stream().filter(e -> e.path("action").asText().equals("register_version"))).hasSize(1);
  }

  @Test
  void promotesAndRollsBackThroughTheAuditTrail() throws Exception {
    HttpResponse<String> promoted = call("POST", "/admin/v1/models/support-agent/aliases/production/promote", OPERATOR, "{\"version\":\"v8\",\"reason\":\"v8 looks good\"}");
    HttpResponse<String> back = call("POST", "/admin/v1/models/support-agent/aliases/production/rollback", OPERATOR, "{\"reason\":\"changed my mind\"}");

    assertThat(promoted.statusCode()).isEqualTo(200);
    assertThat(json(promoted).path("stable").asText()).isEqualTo("v8");
    assertThat(json(back).path("weights").path("v8").asInt()).isEqualTo(100);
    Set<String> actions = new HashSet<>();
    audit("?model=support-agent&alias=production").forEach(e -> actions.add(e.path("action").asText()));
    assertThat(actions).contains("promote", "rollback");
    List<JsonNode> latest = audit("?model=support-agent&alias=production&limit=1");
    assertThat(latest).hasSize(1);
    long seq = latest.get(0).path("seq").asLong();
    assertThat(audit("?since=" + seq).stream().map(e -> e.path("seq").asLong())).allMatch(s -> s > seq);
    assertThat(harness.get(harness.adminUri("/metrics")).body())
        .contains("modelgate_rollbacks_total{alias=\"production\",model=\"support-agent\",trigger=\"manual\"} 1.0");
  }
}
