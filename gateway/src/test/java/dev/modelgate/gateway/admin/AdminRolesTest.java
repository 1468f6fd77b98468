package dev.modelgate.gateway.admin;

import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.sim.SimOptions;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operation of the OpenAPI document against a real gateway, with every role: the role the
 * document names is the one the router enforces. Token names become the actors of the events.
 */
class AdminRolesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final GatewayHarness harness = new GatewayHarness();
  private static final List<String> ROLES = List.of("viewer", "operator", "admin");
  private static final Map<String, String> TOKENS = Map.of("viewer", "viewer-secret", "operator", "operator-secret", "admin", "admin-secret");
  // Every change the matrix sends is refused by the operation itself (a missing field, a stale revision), so it changes nothing.
  private static final String REFUSED_CHANGE = "{\"if_revision\":999999}";
  private static final String MODEL = "meta-llama%2FLlama-3.1-8B";
  private static String backend;

  @BeforeAll
  static void start() throws Exception {
    backend = url(harness.sim(SimOptions.defaults().withTtft(java.time.Duration.ofMillis(1)).withTokens(2)));
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        auth:
          admin_tokens:
            - {token_env: VIEWER_TOKEN, role: viewer}
            - {name: ci, token_env: OPERATOR_TOKEN, role: operator}
            - {token_env: ADMIN_TOKEN, role: admin}
        models:
          meta-llama/Llama-3.1-8B:
            versions:
              v3: {artifact: "hf://meta-llama/Llama-3.1-8B", served_model: llama, endpoints: [%1$s]}
              v4: {artifact: "hf://meta-llama/Llama-3.1-8B@v4", served_model: llama, endpoints: [%1$s]}
            aliases:
              production: {weights: {v3: 100}, stable: v3, slo: {}, rollout: {steps: [10, 100], step_interval: 1h}}
        """.formatted(backend), Map.of("VIEWER_TOKEN", TOKENS.get("viewer"), "OPERATOR_TOKEN", TOKENS.get("operator"),
        "ADMIN_TOKEN", TOKENS.get("admin")));
    // A rollout that ran and was aborted, so the rollout's own routes answer about it and the alias can still be moved by hand.
    String production = "/admin/v1/models/" + MODEL + "/aliases/production";
    for (String[] call : new String[][] {{"/rollouts", "{\"version\":\"v4\"}"}, {"/rollout/abort", "{}"}}) {
      HttpResponse<String> answer = harness.admin("POST", production + call[0], TOKENS.get("operator"), call[1]);
      if (answer.statusCode() / 100 != 2) {
        throw new IllegalStateException("could not set up the fixture's rollout: " + answer.body());
      }
    }
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  /** (method, path template, role the document names, role of the token sent) for every token operation and role. */
  static Stream<Arguments> operationsAndRoles() throws IOException {
    List<Arguments> cases = new ArrayList<>();
    AdminOpenApiTest.document().path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
      String needed = operation.getValue().path("x-modelgate-role").asText(null);
      if (needed != null) {
        ROLES.forEach(role -> cases.add(Arguments.of(operation.getKey().toUpperCase(), path.getKey(), needed, role)));
      }
    }));
    return cases.stream();
  }

  private static HttpResponse<String> call(String method, String template, String token) throws Exception {
    String path = template.replace("{model}", MODEL).replace("{alias}", "production");
    return harness.admin(method, path, token, method.equals("GET") ? null : REFUSED_CHANGE);
  }

  private static List<JsonNode> audit() throws Exception {
    List<JsonNode> events = new ArrayList<>();
    JSON.readTree(harness.admin("GET", "/admin/v1/audit?limit=1000", TOKENS.get("viewer"), null).body()).path("events").forEach(events::add);
    return events;
  }

  @ParameterizedTest(name = "{0} {1} needs {2}; a {3} token")
  @MethodSource("operationsAndRoles")
  void enforcesTheRoleTheDocumentNames(String method, String template, String needed, String role) throws Exception {
    int eventsBefore = audit().size();
    HttpResponse<String> anonymous = call(method, template, null);
    HttpResponse<String> answer = call(method, template, TOKENS.get(role));

    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("www-authenticate")).hasValue("Bearer");
    if (ROLES.indexOf(role) < ROLES.indexOf(needed)) {
      assertThat(answer.statusCode()).isEqualTo(403);
      assertThat(JSON.readTree(answer.body()).path("error").path("message").asText()).contains("needs the " + needed + " role");
    } else {
      // Past authentication and the role: the operation itself answered, about this model.
      assertThat(answer.statusCode()).isIn(200, 400, 409);
      if (method.equals("GET")) {
        assertThat(answer.statusCode()).isEqualTo(200);
      }
    }
    assertThat(audit()).hasSize(eventsBefore);
  }

  @Test
  void recordsTheTokensNameAsTheActorAndTheRoleForAnUnnamedToken() throws Exception {
    HttpResponse<String> moved = harness.admin("PUT", "/admin/v1/models/" + MODEL + "/aliases/canary", TOKENS.get("operator"),
        "{\"weights\":{\"v3\":50,\"v4\":50},\"stable\":\"v3\",\"reason\":\"named\"}");
    HttpResponse<String> registered = harness.admin("POST", "/admin/v1/models/" + MODEL + "/versions", TOKENS.get("admin"),
        "{\"version\":\"v5\",\"artifact\":\"hf://x@v5\",\"served_model\":\"llama\",\"endpoints\":[\"" + backend + "\"],\"lineage\":{}}");

    assertThat(moved.statusCode()).isEqualTo(200);
    assertThat(registered.statusCode()).isEqualTo(201);
    List<JsonNode> events = audit();
    assertThat(events).anySatisfy(e -> {
      assertThat(e.path("action").asText()).isEqualTo("set_weights");
      assertThat(e.path("alias").asText()).isEqualTo("canary");
      assertThat(e.path("actor").asText()).isEqualTo("ci");
    });
    assertThat(events).anySatisfy(e -> {
      assertThat(e.path("action").asText()).isEqualTo("register_version");
      assertThat(e.path("model").asText()).isEqualTo("meta-llama/Llama-3.1-8B");
      assertThat(e.path("actor").asText()).isEqualTo("admin");
    });
  }

  @Test
  void readsAndChangesAModelWhoseNameHoldsASlashThroughItsEncodedForm() throws Exception {
    JsonNode model = JSON.readTree(harness.admin("GET", "/admin/v1/models/" + MODEL, TOKENS.get("viewer"), null).body());
    HttpResponse<String> promoted = harness.admin("POST", "/admin/v1/models/" + MODEL + "/aliases/production/promote", TOKENS.get("operator"),
        "{\"version\":\"v4\",\"reason\":\"slash\"}");
    HttpResponse<String> unencoded = harness.admin("GET", "/admin/v1/models/meta-llama/Llama-3.1-8B", TOKENS.get("viewer"), null);

    assertThat(model.path("name").asText()).isEqualTo("meta-llama/Llama-3.1-8B");
    assertThat(promoted.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(promoted.body()).path("model").asText()).isEqualTo("meta-llama/Llama-3.1-8B");
    assertThat(JSON.readTree(promoted.body()).path("stable").asText()).isEqualTo("v4");
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> answer = harness.post("/v1/chat/completions", GatewayHarness.chat("meta-llama/Llama-3.1-8B"));
      assertThat(answer.headers().firstValue("x-modelgate-version")).hasValue("v4");
    }
    // Unencoded, the slash splits the name into two path segments: no such route.
    assertThat(unencoded.statusCode()).isEqualTo(404);
  }

  @Test
  void refusesATokenInTheQueryAndAnUnknownSchemeEvenForReads() throws Exception {
    HttpResponse<String> query = harness.get(harness.adminUri("/admin/v1/models?access_token=" + TOKENS.get("admin")));
    HttpResponse<String> basic = harness.http().send(HttpRequest.newBuilder(harness.adminUri("/admin/v1/models")).timeout(GatewayHarness.WAIT)
        .header("authorization", "Basic " + TOKENS.get("admin")).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(query.statusCode()).isEqualTo(401);
    assertThat(basic.statusCode()).isEqualTo(401);
  }
}
