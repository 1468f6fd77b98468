package dev.modelgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.proxy.RawHttp;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The response cache in a real gateway in front of a real simulator, both on loopback (SPEC §12). */
class CacheEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OPS = "ops-token";
  private static final String VIEWER = "viewer-token";
  private static final Map<String, String> ENV = Map.of("OPS_TOKEN", OPS, "VIEW_TOKEN", VIEWER, "KEY_A", "sk-tenant-a", "KEY_B", "sk-tenant-b");

  @TempDir
  Path dir;
  private GatewayHarness harness;
  private Simulator sim;

  @BeforeEach
  void startSimulator() {
    harness = new GatewayHarness();
    sim = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(5)).withInterTokenLatency(Duration.ZERO));
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  // production routes to v2 (a canary of stable v1, so the SLO guard keeps a window for it); plain has no cache.
  private void startGateway(String server, String auth) throws Exception {
    startGateway(server, auth, GatewayHarness.url(sim));
  }

  private void startGateway(String server, String auth, String backend) throws Exception {
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1%s}
        access_log: "%s"
        auth:
          admin_tokens:
            - {name: ops, token_env: OPS_TOKEN, role: operator}
            - {name: viewer, token_env: VIEW_TOKEN, role: viewer}
        %s
        models:
          emb:
            versions:
              v1: {artifact: "hf://emb/v1", served_model: emb-1, endpoints: [%4$s]}
              v2: {artifact: "hf://emb/v2", served_model: emb-2, endpoints: [%4$s]}
            aliases:
              production:
                weights: {v1: 0, v2: 100}
                stable: v1
                slo: {window: 60s, evaluation_interval: 5s, min_requests: 50}
                cache: {ttl: 10m, paths: [embeddings, chat]}
              plain: {weights: {v1: 100}, stable: v1}
        """.formatted(server, dir.resolve("access.jsonl"), auth, backend), ENV);
  }

  private void startGateway() throws Exception {
    startGateway("", "");
  }

  private static String embed(String model, String text) {
    return "{\"model\":\"" + model + "\",\"input\":\"" + text + "\"}";
  }

  private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    return harness.post(path, body, headers);
  }

  private static String cacheHeader(HttpResponse<String> answer) {
    return answer.headers().firstValue("x-modelgate-cache").orElse(null);
  }

  private static String version(HttpResponse<String> answer) {
    return answer.headers().firstValue("x-modelgate-version").orElse(null);
  }

  @Test
  void identicalEmbeddingsReachTheBackendOnceAndTheRepeatIsAHitOfTheSameVersion() throws Exception {
    startGateway();

    HttpResponse<String> first = post("/v1/embeddings", embed("emb", "the same text"), "x-request-id", "first");
    HttpResponse<String> second = post("/v1/embeddings", embed("emb", "the same text"), "x-request-id", "second");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(sim.requestsServed()).isEqualTo(1);
    assertThat(cacheHeader(first)).isEqualTo("miss");
    assertThat(cacheHeader(second)).isEqualTo("hit");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(JSON.readTree(second.body()).path("model").asText()).isEqualTo("emb-2");
    assertThat(version(second)).isEqualTo("v2");
    assertThat(second.headers().firstValue("x-modelgate-route")).hasValue("canary");
    assertThat(second.headers().firstValue("x-modelgate-alias")).hasValue("production");
    assertThat(second.headers().firstValue("x-request-id")).hasValue("second");
    assertThat(second.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));

    JsonNode hitRecord = GatewayHarness.awaitLogRecord(dir.resolve("access.jsonl"), "second");
    assertThat(hitRecord.path("cache").asText()).isEqualTo("hit");
    assertThat(hitRecord.path("version").asText()).isEqualTo("v2");
    assertThat(hitRecord.path("endpoint").isNull()).as("no endpoint served the hit").isTrue();
    assertThat(GatewayHarness.awaitLogRecord(dir.resolve("access.jsonl"), "first").path("cache").asText()).isEqualTo("miss");
    harness.awaitMetric(1, "modelgate_cache_requests_total", "model", "emb", "version", "v2", "result", "hit");
    harness.awaitMetric(1, "modelgate_cache_requests_total", "model", "emb", "version", "v2", "result", "miss");
    assertThat(cacheBytes()).isPositive();
    // Both answered and counted as requests, but only the backend's answer is evidence for the SLO guard.
    harness.awaitMetric(2, "modelgate_requests_total", "model", "emb", "version", "v2");
    JsonNode alias = JSON.readTree(harness.admin("GET", "/admin/v1/models/emb/aliases/production", VIEWER, null).body());
    assertThat(alias.path("slo").path("versions").path("v2").path("requests").asLong()).isEqualTo(1);
  }

  @Test
  void afterAWeightChangeTheSameRequestGoesToTheOtherVersionsBackend() throws Exception {
    startGateway();
    assertThat(version(post("/v1/embeddings", embed("emb", "moved")))).isEqualTo("v2");

    HttpResponse<String> moved = harness.admin("PUT", "/admin/v1/models/emb/aliases/production", OPS,
        "{\"weights\":{\"v1\":100,\"v2\":0},\"reason\":\"back to stable\"}");
    assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);

    HttpResponse<String> after = post("/v1/embeddings", embed("emb", "moved"));
    assertThat(sim.requestsServed()).isEqualTo(2);
    assertThat(cacheHeader(after)).isEqualTo("miss");
    assertThat(version(after)).isEqualTo("v1");
    assertThat(after.headers().firstValue("x-modelgate-route")).hasValue("stable");
    assertThat(JSON.readTree(after.body()).path("model").asText()).isEqualTo("emb-1");

    HttpResponse<String> again = post("/v1/embeddings", embed("emb", "moved"));
    assertThat(cacheHeader(again)).isEqualTo("hit");
    assertThat(version(again)).isEqualTo("v1");
    assertThat(sim.requestsServed()).isEqualTo(2);
  }

  @Test
  void aHundredConcurrentIdenticalMissesMakeOneBackendCall() throws Exception {
    try (HoldingBackend backend = new HoldingBackend()) {
      List<HttpServerRequest> held = backend.held;
      startGateway("", "", backend.url());

      List<CompletableFuture<HttpResponse<String>>> pending = sendConcurrently(100, embed("emb", "everyone at once"));
      // All routed and none answered: 99 wait behind the one the backend holds.
      harness.awaitMetric(100, "modelgate_inflight_requests", "model", "emb", "version", "v2");
      assertThat(held).hasSize(1);
      held.get(0).response().setStatusCode(200).putHeader("content-type", "application/json").putHeader("openai-processing-ms", "12")
          .end("{\"object\":\"list\",\"data\":[{\"embedding\":[0.5]}]}");

      int misses = 0;
      for (CompletableFuture<HttpResponse<String>> pendingAnswer : pending) {
        HttpResponse<String> answer = pendingAnswer.get(GatewayHarness.WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"object\":\"list\",\"data\":[{\"embedding\":[0.5]}]}");
        assertThat(answer.headers().firstValue("openai-processing-ms")).hasValue("12");
        assertThat(version(answer)).isEqualTo("v2");
        misses += "miss".equals(cacheHeader(answer)) ? 1 : 0;
      }
      assertThat(misses).as("only the request that went to the backend").isEqualTo(1);
      assertThat(held).hasSize(1);
      harness.awaitMetric(99, "modelgate_cache_requests_total", "model", "emb", "result", "hit");
    }
  }

  @Test
  void aBackendErrorIsNeverKeptAndTheRequestsWaitingForItGetTheSameError() throws Exception {
    try (HoldingBackend backend = new HoldingBackend()) {
      List<HttpServerRequest> held = backend.held;
      startGateway("", "", backend.url());

      List<CompletableFuture<HttpResponse<String>>> pending = sendConcurrently(20, embed("emb", "doomed"));
      harness.awaitMetric(20, "modelgate_inflight_requests", "model", "emb", "version", "v2");
      assertThat(held).as("only the first reached the backend").hasSize(1);
      String error = "{\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
      held.get(0).response().setStatusCode(500).putHeader("content-type", "application/json").end(error);

      for (CompletableFuture<HttpResponse<String>> answer : pending) {
        HttpResponse<String> got = answer.get(GatewayHarness.WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(got.statusCode()).isEqualTo(500);
        assertThat(got.body()).isEqualTo(error);
        assertThat(cacheHeader(got)).isEqualTo("miss");
        assertThat(version(got)).isEqualTo("v2");
      }

      CompletableFuture<HttpResponse<String>> again = sendConcurrently(1, embed("emb", "doomed")).get(0);
      awaitTrue(() -> held.size() == 2, "the repeat to reach the backend: the error was not kept");
      held.get(1).response().setStatusCode(200).putHeader("content-type", "application/json").end("{\"data\":[]}");
      HttpResponse<String> recovered = again.get(GatewayHarness.WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(recovered.statusCode()).isEqualTo(200);
      assertThat(cacheHeader(recovered)).isEqualTo("miss");
      assertThat(cacheHeader(post("/v1/embeddings", embed("emb", "doomed")))).isEqualTo("hit");
      assertThat(held).hasSize(2);
    }
  }

  @Test
  void whenTheFirstRequestsClientLeavesAWaitingRequestGoesToTheBackendItself() throws Exception {
    try (HoldingBackend backend = new HoldingBackend()) {
      List<HttpServerRequest> held = backend.held;
      startGateway("", "", backend.url());
      String body = embed("emb", "left behind");
      CompletableFuture<HttpResponse<String>> waiter;
      try (Socket leader = RawHttp.connect(harness.uri("/").getPort())) {
        leader.getOutputStream().write(RawHttp.ascii("POST /v1/embeddings HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n"
            + "content-length: " + body.length() + "\r\n\r\n" + body));
        leader.getOutputStream().flush();
        awaitTrue(() -> held.size() == 1, "the first request at the backend");
        waiter = sendConcurrently(1, body).get(0);
        // Both routed: the second waits behind the first, which the backend holds.
        harness.awaitMetric(2, "modelgate_inflight_requests", "model", "emb", "version", "v2");
      }

      awaitTrue(() -> held.size() == 2, "the waiter to go to the backend itself once the first's client left");
      held.get(1).response().setStatusCode(200).putHeader("content-type", "application/json").end("{\"data\":[1]}");
      HttpResponse<String> answer = waiter.get(GatewayHarness.WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("{\"data\":[1]}");
      assertThat(cacheHeader(answer)).isEqualTo("miss");
      assertThat(cacheHeader(post("/v1/embeddings", body))).as("the waiter's answer was kept").isEqualTo("hit");
      assertThat(held).hasSize(2);
    }
  }

  @Test
  void sampledStreamedOrManyChoiceChatIsNeverCachedButGreedyChatIs() throws Exception {
    startGateway();
    String sampled = "{\"model\":\"emb\",\"temperature\":0.7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String unset = "{\"model\":\"emb\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String streamed = "{\"model\":\"emb\",\"temperature\":0,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String twoChoices = "{\"model\":\"emb\",\"temperature\":0,\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String greedy = "{\"model\":\"emb\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    long served = 0;
    for (String body : List.of(sampled, unset, streamed, twoChoices)) {
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> answer = post("/v1/chat/completions", body);
        // The simulator refuses n > 1 with a 400; the gateway forwards it either way.
        assertThat(answer.statusCode()).as(body).isEqualTo(body.equals(twoChoices) ? 400 : 200);
        assertThat(cacheHeader(answer)).as(body).isEqualTo("miss");
        assertThat(sim.requestsServed()).as(body).isEqualTo(++served);
      }
    }
    harness.awaitMetric(8, "modelgate_cache_requests_total", "model", "emb", "result", "bypass");

    HttpResponse<String> first = post("/v1/chat/completions", greedy);
    HttpResponse<String> second = post("/v1/chat/completions", greedy);
    assertThat(cacheHeader(second)).isEqualTo("hit");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(sim.requestsServed()).isEqualTo(served + 1);

    // completions are not in this alias's paths.
    String completion = "{\"model\":\"emb\",\"temperature\":0,\"prompt\":\"hi\"}";
    post("/v1/completions", completion);
    assertThat(cacheHeader(post("/v1/completions", completion))).isEqualTo("miss");
    assertThat(sim.requestsServed()).isEqualTo(served + 3);
  }

  @Test
  void noCacheSkipsTheLookupAndNoStoreSkipsLookupAndStore() throws Exception {
    startGateway();
    post("/v1/embeddings", embed("emb", "kept"));

    HttpResponse<String> fresh = post("/v1/embeddings", embed("emb", "kept"), "cache-control", "no-cache");
    assertThat(cacheHeader(fresh)).isEqualTo("miss");
    assertThat(sim.requestsServed()).isEqualTo(2);
    assertThat(cacheHeader(post("/v1/embeddings", embed("emb", "kept")))).as("the fresh answer is kept").isEqualTo("hit");
    assertThat(sim.requestsServed()).isEqualTo(2);
    assertThat(cacheHeader(post("/v1/embeddings", embed("emb", "kept"), "cache-control", "max-age=0, No-Store")))
        .as("no-store is not answered from the cache").isEqualTo("miss");
    assertThat(sim.requestsServed()).isEqualTo(3);
    assertThat(cacheHeader(post("/v1/embeddings", embed("emb", "kept")))).as("and leaves the kept answer").isEqualTo("hit");

    assertThat(cacheHeader(post("/v1/embeddings", embed("emb", "secret"), "cache-control", "no-store"))).isEqualTo("miss");
    assertThat(cacheHeader(post("/v1/embeddings", embed("emb", "secret")))).as("nothing was kept").isEqualTo("miss");
    assertThat(sim.requestsServed()).isEqualTo(5);
  }

  @Test
  void whatTheCacheKeepsStaysWithinMaxBytesUnderAFloodOfUniqueRequests() throws Exception {
    long maxBytes = 32 * 1024;
    startGateway(", cache: {max_bytes: " + maxBytes + "}", "");
    sim.ttft(Duration.ZERO);
    String filler = "x".repeat(400);

    for (int i = 0; i < 300; i++) {
      assertThat(post("/v1/embeddings", embed("emb", filler + " " + i)).statusCode()).isEqualTo(200);
    }

    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    double bytes;
    // Caffeine evicts just after a write, off the event loop: the bound holds once it has.
    while ((bytes = cacheBytes()) > maxBytes && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(bytes).isLessThanOrEqualTo(maxBytes).isGreaterThan(maxBytes / 4.0);
    assertThat(sim.requestsServed()).isEqualTo(300);
  }

  @Test
  void clientKeysKeepTenantsApart() throws Exception {
    startGateway("", "  client_keys_env: [KEY_A, KEY_B]");

    HttpResponse<String> a = post("/v1/embeddings", embed("emb", "shared text"), "authorization", "Bearer sk-tenant-a");
    HttpResponse<String> b = post("/v1/embeddings", embed("emb", "shared text"), "authorization", "Bearer sk-tenant-b");
    HttpResponse<String> aAgain = post("/v1/embeddings", embed("emb", "shared text"), "authorization", "Bearer sk-tenant-a");

    assertThat(cacheHeader(a)).isEqualTo("miss");
    assertThat(cacheHeader(b)).as("another tenant never gets a's answer").isEqualTo("miss");
    assertThat(cacheHeader(aAgain)).isEqualTo("hit");
    assertThat(sim.requestsServed()).isEqualTo(2);
    assertThat(post("/v1/embeddings", embed("emb", "shared text")).statusCode()).as("no key, no answer, cached or not").isEqualTo(401);
  }

  @Test
  void anOperatorEmptiesAModelsCache() throws Exception {
    startGateway();
    post("/v1/embeddings", embed("emb", "one"));
    post("/v1/embeddings", embed("emb", "two"));

    assertThat(harness.admin("DELETE", "/admin/v1/models/emb/cache", VIEWER, null).statusCode()).isEqualTo(403);
    assertThat(harness.admin("DELETE", "/admin/v1/models/nope/cache", OPS, null).statusCode()).isEqualTo(404);
    HttpResponse<String> purged = harness.admin("DELETE", "/admin/v1/models/emb/cache", OPS, null);

    assertThat(purged.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(purged.body())).isEqualTo(JSON.readTree("{\"model\":\"emb\",\"removed\":2}"));
    assertThat(cacheHeader(post("/v1/embeddings", embed("emb", "one")))).isEqualTo("miss");
    assertThat(sim.requestsServed()).isEqualTo(3);
  }

  @Test
  void aRouteWithoutACacheAnswersAsBeforeWithoutTheHeader() throws Exception {
    startGateway();
    HttpResponse<String> first = post("/v1/embeddings", embed("emb:plain", "uncached"));
    HttpResponse<String> second = post("/v1/embeddings", embed("emb:plain", "uncached"));
    HttpResponse<String> pinned = post("/v1/embeddings", embed("emb:v2", "uncached"));

    assertThat(sim.requestsServed()).isEqualTo(3);
    for (HttpResponse<String> answer : List.of(first, second, pinned)) {
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("x-modelgate-cache")).isEmpty();
    }
  }

  // A gauge without labels, which GatewayHarness#metric does not read.
  private double cacheBytes() throws Exception {
    for (String line : harness.get(harness.adminUri("/metrics")).body().split("\n")) {
      if (line.startsWith("modelgate_cache_bytes ")) {
        return Double.parseDouble(line.substring("modelgate_cache_bytes ".length()).trim());
      }
    }
    throw new AssertionError("no modelgate_cache_bytes in /metrics");
  }

  private List<CompletableFuture<HttpResponse<String>>> sendConcurrently(int count, String body) {
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      pending.add(harness.http().sendAsync(HttpRequest.newBuilder(harness.uri("/v1/embeddings")).timeout(GatewayHarness.WAIT)
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    return pending;
  }

  /** A backend that holds each request it receives until the test answers it, so "all are waiting" is a fact, not a timing. */
  private static final class HoldingBackend implements AutoCloseable {
    final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server = GatewayHarness.await(vertx.createHttpServer()
        .requestHandler(request -> request.body().onSuccess(body -> held.add(request))).listen(0, "127.0.0.1"));

    String url() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    @Override
    public void close() {
      GatewayHarness.await(vertx.close());
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
