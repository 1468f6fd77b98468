package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.sim.RecordedRequest;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data plane end to end: a real gateway in front of real simulated backends on loopback. */
class DataPlaneTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final GatewayHarness harness = new GatewayHarness();
  private static final List<RecordedRequest> seenByV7 = new CopyOnWriteArrayList<>();
  private static final List<RecordedRequest> seenByV8 = new CopyOnWriteArrayList<>();
  private static Simulator v7;
  private static Simulator v8;
  private static Simulator slowStream;
  private static HttpServer hanging;
  private static HttpServer stallsMidStream;
  private static Path accessLog;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    v7 = harness.sim(SimOptions.defaults().withModel("v7-backend").withTtft(Duration.ofMillis(5)).withInterTokenLatency(Duration.ofMillis(1)).withTokens(4));
    v8 = harness.sim(SimOptions.defaults().withModel("v8-backend").withTtft(Duration.ofMillis(5)).withInterTokenLatency(Duration.ofMillis(1)).withTokens(4));
    v7.onRequest(seenByV7::add);
    v8.onRequest(seenByV8::add);
    slowStream = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(20)).withInterTokenLatency(Duration.ofMillis(120)).withTokens(5));
    hanging = GatewayHarness.await(harness.vertx.createHttpServer().requestHandler(request -> { }).listen(0, "127.0.0.1"));
    stallsMidStream = GatewayHarness.await(harness.vertx.createHttpServer().requestHandler(request -> request.response()
        .setChunked(true).putHeader("content-type", "text/event-stream")
        .write("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n")).listen(0, "127.0.0.1"));
    accessLog = dir.resolve("access.jsonl");
    String yaml = """
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, upstream_timeout: 1s, connect_timeout: 1s, max_body_bytes: 65536}
        access_log: %s
        models:
          support-agent:
            versions:
              v7: {artifact: "wandb-artifact://acme/llm/support-agent:v7", served_model: sa-v7, endpoints: [%s]}
              v8: {artifact: "wandb-artifact://acme/llm/support-agent:v8", served_model: sa-v8, endpoints: [%s], api_key_env: V8_KEY}
            aliases:
              production: {weights: {v7: 90, v8: 10}, stable: v7}
              sessions: {weights: {v7: 50, v8: 50}, stable: v7, sticky: "header:x-session-id"}
              by-user: {weights: {v7: 50, v8: 50}, stable: v7, sticky: "body:user"}
          meta-llama/Llama-3.1-8B:
            versions:
              v3: {artifact: "hf://meta-llama/Llama-3.1-8B", served_model: llama, endpoints: [%s]}
            aliases:
              production: {weights: {v3: 100}, stable: v3}
          slow-stream:
            versions:
              v1: {artifact: "s3://models/slow", served_model: slow, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          hangs:
            versions:
              v1: {artifact: "s3://models/hangs", served_model: hangs, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          stalls:
            versions:
              v1: {artifact: "s3://models/stalls", served_model: stalls, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          down:
            versions:
              v1: {artifact: "s3://models/down", served_model: down, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          half-down:
            versions:
              v1: {artifact: "s3://models/half", served_model: half, endpoints: [%s, %s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(accessLog, url(v7), url(v8), url(v7), url(slowStream),
        "http://127.0.0.1:" + hanging.actualPort(), "http://127.0.0.1:" + stallsMidStream.actualPort(),
        "http://127.0.0.1:" + deadPort(), "http://127.0.0.1:" + deadPort(), url(v7));
    harness.start(yaml, Map.of("V8_KEY", "sk-backend-v8"));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  private static int deadPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void answersAChatCompletionTaggedWithTheVersionThatServedIt() throws Exception {
    HttpResponse<String> response = harness.post("/v1/chat/completions", chat("support-agent:v7"), "authorization", "Bearer client-secret");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-modelgate-model")).hasValue("support-agent");
    assertThat(response.headers().firstValue("x-modelgate-version")).hasValue("v7");
    assertThat(response.headers().firstValue("x-modelgate-route")).hasValue("pinned");
    assertThat(response.headers().firstValue("x-modelgate-alias")).isEmpty();
    assertThat(response.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).hasSize(32));
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.path("model").asText()).isEqualTo("sa-v7");
    assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
  }

  @Test
  void sendsTheBackendItsServedModelNameAndNeverTheClientsKey() throws Exception {
    seenByV8.clear();
    seenByV7.clear();
    harness.post("/v1/chat/completions", chat("support-agent:v8"), "authorization", "Bearer client-secret", "cookie", "session=abc",
        "x-modelgate-version", "v7", "x-custom", "kept");
    harness.post("/v1/chat/completions", chat("support-agent:v7"), "authorization", "Bearer client-secret");

    RecordedRequest toV8 = seenByV8.get(0);
    assertThat(JSON.readTree(toV8.body()).path("model").asText()).isEqualTo("sa-v8");
    assertThat(toV8.headers().get("authorization")).containsExactly("Bearer sk-backend-v8");
    assertThat(toV8.headers()).doesNotContainKeys("cookie", "x-modelgate-version");
    assertThat(toV8.headers().get("x-custom")).containsExactly("kept");
    RecordedRequest toV7 = seenByV7.get(0);
    assertThat(JSON.readTree(toV7.body()).path("model").asText()).isEqualTo("sa-v7");
    assertThat(toV7.headers()).doesNotContainKey("authorization");
  }

  @Test
  void leavesEveryOtherBodyFieldExactlyAsTheClientSentIt() throws Exception {
    seenByV7.clear();
    String body = "{ \"messages\" : [{\"role\":\"user\",\"content\":\"caf\u00e9 \\\"quoted\\\" \\u00e9\"}],\n  \"model\":\"support-agent:v7\" , \"temperature\": 0.25, \"extra\": {\"model\": \"inner\"}}";
    harness.post("/v1/chat/completions", body);

    assertThat(seenByV7.get(0).body()).isEqualTo(body.replace("\"support-agent:v7\"", "\"sa-v7\""));
  }

  @Test
  void relaysAStreamChunkByChunkAsTheBackendSendsIt() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .build();
    HttpResponse<Stream<String>> response = harness.http.send(request, HttpResponse.BodyHandlers.ofLines());

    List<Long> arrivals = new ArrayList<>();
    List<String> events = new ArrayList<>();
    response.body().filter(line -> line.startsWith("data: ")).forEach(line -> {
      arrivals.add(System.nanoTime());
      events.add(line);
    });
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(response.headers().firstValue("x-accel-buffering")).hasValue("no");
    assertThat(response.headers().firstValue("x-modelgate-version")).hasValue("v1");
    assertThat(response.headers().firstValue("x-modelgate-route")).hasValue("stable");
    assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]");
    // Five tokens 120 ms apart: the first must arrive long before the last, or the stream was buffered.
    long spreadMillis = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1_000_000;
    assertThat(spreadMillis).isGreaterThanOrEqualTo(350);
  }

  @Test
  void forwardsCompletionsEmbeddingsAndResponses() throws Exception {
    HttpResponse<String> completion = harness.post("/v1/completions", "{\"model\":\"support-agent:v7\",\"prompt\":\"Say hi\"}");
    HttpResponse<String> embedding = harness.post("/v1/embeddings", "{\"model\":\"support-agent:v7\",\"input\":[\"a\",\"b\"]}");
    HttpResponse<String> responses = harness.post("/v1/responses", "{\"model\":\"support-agent:v7\",\"input\":\"hello\"}");

    assertThat(completion.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(completion.body()).path("object").asText()).isEqualTo("text_completion");
    assertThat(embedding.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(embedding.body()).path("data")).hasSize(2);
    assertThat(responses.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(responses.body()).path("object").asText()).isEqualTo("response");
    for (HttpResponse<String> r : List.of(completion, embedding, responses)) {
      assertThat(r.headers().firstValue("x-modelgate-version")).hasValue("v7");
      assertThat(r.headers().firstValue("x-request-id")).isPresent();
    }
  }

  @Test
  void answersAClientThatWaitsFor100ContinueWithoutDelay() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(Duration.ofMillis(800))
        .expectContinue(true)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(chat("support-agent:v7")))
        .build();

    HttpResponse<String> response = harness.http.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-modelgate-version")).hasValue("v7");
  }

  @Test
  void listsEveryModelAliasAndVersion() throws Exception {
    HttpResponse<String> response = harness.get(harness.uri("/v1/models"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("object").asText()).isEqualTo("list");
    List<String> ids = new ArrayList<>();
    body.path("data").forEach(m -> ids.add(m.path("id").asText()));
    assertThat(ids).contains("support-agent", "support-agent:production", "support-agent:sessions", "support-agent:v7", "support-agent:v8",
        "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B:v3");
    assertThat(body.path("data").get(0).path("object").asText()).isEqualTo("model");
  }

  @Test
  void routesModelNamesWithSlashesAndEveryAliasSpelling() throws Exception {
    for (String model : List.of("meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B:production", "meta-llama/Llama-3.1-8B@production", "meta-llama/Llama-3.1-8B:v3")) {
      HttpResponse<String> response = harness.post("/v1/chat/completions", chat(model));
      assertThat(response.statusCode()).as(model).isEqualTo(200);
      assertThat(response.headers().firstValue("x-modelgate-model")).hasValue("meta-llama/Llama-3.1-8B");
      assertThat(response.headers().firstValue("x-modelgate-version")).hasValue("v3");
    }
  }

  @Test
  void answersAnUnknownModelWith404ModelNotFound() throws Exception {
    for (String model : List.of("no-such-model", "support-agent:canary", "support-agent:v9", "bad name")) {
      HttpResponse<String> response = harness.post("/v1/chat/completions", chat(model));

      assertThat(response.statusCode()).as(model).isEqualTo(404);
      JsonNode error = JSON.readTree(response.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("model_not_found");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("param").asText()).isEqualTo("model");
      assertThat(error.path("message").asText()).isNotBlank();
      assertThat(response.headers().firstValue("x-request-id")).isPresent();
    }
  }

  @Test
  void refusesMalformedJsonAndAMissingModelWith400() throws Exception {
    for (String body : List.of("{\"model\": \"support-agent\"", "not json", "[1,2]", "{\"messages\":[]}", "{\"model\": 7}",
        "{\"model\":\"support-agent\",\"model\":\"support-agent:v8\"}")) {
      HttpResponse<String> response = harness.post("/v1/chat/completions", body, "x-request-id", "client-id-1");

      assertThat(response.statusCode()).as(body).isEqualTo(400);
      JsonNode error = JSON.readTree(response.body()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("message").asText()).isNotBlank();
      assertThat(response.headers().firstValue("x-request-id")).hasValue("client-id-1");
    }
  }

  @Test
  void refusesABodyOverTheLimitWith413() throws Exception {
    String huge = "{\"model\":\"support-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000) + "\"}]}";
    HttpResponse<String> response = harness.post("/v1/chat/completions", huge);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("request_too_large");
  }

  @Test
  void answers504WhenTheBackendHangsPastTheUpstreamTimeout() throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> response = harness.post("/v1/chat/completions", chat("hangs"));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("upstream_timeout");
    assertThat(response.headers().firstValue("x-modelgate-version")).hasValue("v1");
    assertThat(tookMillis).isGreaterThanOrEqualTo(900);
  }

  @Test
  void endsAStalledStreamWithAnErrorEventAfterTheTimeoutBetweenChunks() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"stalls\",\"stream\":true}")).build();
    HttpResponse<InputStream> response = harness.http.send(request, HttpResponse.BodyHandlers.ofInputStream());

    assertThat(response.statusCode()).isEqualTo(200);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    boolean cutShort = false;
    try (InputStream in = response.body()) {
      in.transferTo(received);
    } catch (IOException e) {
      cutShort = true;
    }
    String body = received.toString(StandardCharsets.UTF_8);
    assertThat(body).startsWith("data: {\"choices\"");
    assertThat(body).contains("data: {\"error\":").contains("upstream_timeout").doesNotContain("[DONE]");
    assertThat(cutShort).as("the stream must not end cleanly").isTrue();
  }

  @Test
  void answers502ThenAvoidsAnEndpointThatRefusesConnections() throws Exception {
    HttpResponse<String> first = harness.post("/v1/chat/completions", chat("down"));
    HttpResponse<String> second = harness.post("/v1/chat/completions", chat("down"));

    assertThat(first.statusCode()).isEqualTo(502);
    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(second.body()).path("error").path("code").asText()).isEqualTo("no_healthy_endpoint");
    assertThat(second.headers().firstValue("x-modelgate-version")).hasValue("v1");
  }

  @Test
  void retriesAConnectionFailureOnAnotherEndpointOfTheSameVersion() throws Exception {
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = harness.post("/v1/chat/completions", chat("half-down"));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("x-modelgate-version")).hasValue("v1");
    }
  }

  @Test
  void splitsTwoThousandRequestsNinetyTenAcrossVersions() throws Exception {
    Map<String, Integer> byVersion = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      HttpResponse<String> response = harness.post("/v1/chat/completions", chat("support-agent"));
      assertThat(response.statusCode()).isEqualTo(200);
      String version = response.headers().firstValue("x-modelgate-version").orElseThrow();
      String route = response.headers().firstValue("x-modelgate-route").orElseThrow();
      assertThat(route).isEqualTo(version.equals("v7") ? "stable" : "canary");
      assertThat(response.headers().firstValue("x-modelgate-alias")).hasValue("production");
      byVersion.merge(version, 1, Integer::sum);
    }
    assertThat(byVersion.get("v8")).isBetween(160, 240);
    assertThat(byVersion.get("v7") + byVersion.get("v8")).isEqualTo(2000);
  }

  @Test
  void alwaysServesAPinnedVersion() throws Exception {
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> response = harness.post("/v1/chat/completions", chat("support-agent:v8"));
      assertThat(response.headers().firstValue("x-modelgate-version")).hasValue("v8");
      assertThat(response.headers().firstValue("x-modelgate-route")).hasValue("pinned");
    }
  }

  @Test
  void keepsASessionOnOneVersionWithAStickyHeaderOrBodyField() throws Exception {
    Map<String, String> firstVersion = new HashMap<>();
    for (int round = 0; round < 3; round++) {
      for (int session = 0; session < 20; session++) {
        String key = "session-" + session;
        HttpResponse<String> byHeader = harness.post("/v1/chat/completions", chat("support-agent:sessions"), "x-session-id", key);
        String version = byHeader.headers().firstValue("x-modelgate-version").orElseThrow();
        assertThat(firstVersion.computeIfAbsent("h" + key, k -> version)).isEqualTo(version);
        String body = "{\"model\":\"support-agent@by-user\",\"user\":\"" + key + "\",\"messages\":[]}";
        String byUser = harness.post("/v1/chat/completions", body).headers().firstValue("x-modelgate-version").orElseThrow();
        assertThat(firstVersion.computeIfAbsent("u" + key, k -> byUser)).isEqualTo(byUser);
      }
    }
    assertThat(firstVersion.values()).contains("v7", "v8");
  }

  @Test
  void echoesTheClientsRequestIdAndGeneratesOneOtherwise() throws Exception {
    HttpResponse<String> withId = harness.post("/v1/chat/completions", chat("support-agent"), "x-request-id", "trace-123");
    HttpResponse<String> without = harness.post("/v1/chat/completions", chat("support-agent"));

    assertThat(withId.headers().firstValue("x-request-id")).hasValue("trace-123");
    assertThat(without.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).matches("[0-9a-f]{32}"));
  }

  @Test
  void writesOneAccessLogRecordPerAnsweredRequest() throws Exception {
    harness.post("/v1/chat/completions", chat("support-agent:v8"), "x-request-id", "logged-request");

    JsonNode record = GatewayHarness.awaitLogRecord(accessLog, "logged-request");
    assertThat(record.path("model").asText()).isEqualTo("support-agent");
    assertThat(record.path("version").asText()).isEqualTo("v8");
    assertThat(record.path("artifact").asText()).isEqualTo("wandb-artifact://acme/llm/support-agent:v8");
    assertThat(record.path("route").asText()).isEqualTo("pinned");
    assertThat(record.path("status").asInt()).isEqualTo(200);
    assertThat(record.path("endpoint").asText()).isEqualTo(url(v8));
    assertThat(record.path("latency_ms").asDouble()).isPositive();
    assertThat(record.path("completion_tokens").asLong()).isEqualTo(4);
    assertThat(record.path("prompt_tokens").asLong()).isPositive();
    assertThat(record.has("time")).isTrue();
  }

  @Test
  void servesHealthReadinessAndMetricsOnTheAdminPort() throws Exception {
    harness.post("/v1/chat/completions", chat("support-agent:v7"));

    assertThat(harness.get(harness.adminUri("/healthz")).statusCode()).isEqualTo(200);
    assertThat(harness.get(harness.adminUri("/readyz")).statusCode()).isEqualTo(200);
    HttpResponse<String> metrics = harness.get(harness.adminUri("/metrics"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("modelgate_requests_total{alias=\"\",model=\"support-agent\",outcome=\"success\",route=\"pinned\",version=\"v7\"}");
  }
}
