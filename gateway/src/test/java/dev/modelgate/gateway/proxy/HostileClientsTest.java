package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static dev.modelgate.gateway.proxy.RawHttp.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.RawHttp.Raw;
import dev.modelgate.gateway.sim.SimOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that send what no SDK would: malformed HTTP, hostile bodies, floods of bad requests. Each
 * gets a 4xx (in OpenAI's shape when the gateway can read enough to answer) or a closed connection —
 * never a 500, never a hang — and the gateway keeps serving good requests.
 */
class HostileClientsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 2 * 1024 * 1024;
  private static final GatewayHarness harness = new GatewayHarness();

  @BeforeAll
  static void start() throws Exception {
    var sim = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2));
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, max_body_bytes: %d, request_read_timeout: 1s}
        access_log: "off"
        models:
          target:
            versions:
              v1: {artifact: "s3://m/target", served_model: target, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(MAX_BODY, url(sim)));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  private static void assertStillServes() throws Exception {
    HttpResponse<String> good = harness.post("/v1/chat/completions", chat("target"));
    assertThat(good.statusCode()).isEqualTo(200);
    assertThat(good.headers().firstValue("x-modelgate-version")).hasValue("v1");
  }

  private static void assertOpenAiError(String what, int status, String contentType, String body) throws Exception {
    assertThat(status).as(what).isBetween(400, 499);
    assertThat(contentType).as(what).isEqualTo("application/json");
    JsonNode error = JSON.readTree(body).path("error");
    assertThat(error.path("message").asText()).as(what).isNotBlank();
    assertThat(error.path("type").asText()).as(what).isEqualTo("invalid_request_error");
  }

  @Test
  void answersMalformedHttpWithA4xxOrACloseAndKeepsServing() throws Exception {
    String post = "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n";
    Map<String, String> requests = new LinkedHashMap<>();
    requests.put("garbage request line", "GARBAGE\r\n\r\n");
    requests.put("binary request line", "\u0001\u0002\u0003 / HTTP/1.1\r\n\r\n");
    requests.put("unknown HTTP version", "GET /v1/models HTTP/9.9\r\nHost: gateway\r\n\r\n");
    requests.put("header without a colon", "GET /v1/models HTTP/1.1\r\nHost gateway\r\n\r\n");
    requests.put("space before the colon", "GET /v1/models HTTP/1.1\r\nHost : gateway\r\n\r\n");
    requests.put("oversized header", "GET /v1/models HTTP/1.1\r\nHost: gateway\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
    requests.put("too many headers", "GET /v1/models HTTP/1.1\r\nHost: gateway\r\n" + "X-Same: 1\r\n".repeat(150) + "\r\n");
    requests.put("overlong URL", "GET /v1/models?" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: gateway\r\n\r\n");
    requests.put("content-length not a number", post + "Content-Length: abc\r\n\r\n{}");
    requests.put("negative content-length", post + "Content-Length: -5\r\n\r\n{}");
    requests.put("two content-lengths", post + "Content-Length: 5\r\nContent-Length: 7\r\n\r\n{}");
    requests.put("content-length promising more than sent", post + "Content-Length: 500\r\n\r\n{\"model\":\"target\"}");
    requests.put("chunk size not hex", post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
    requests.put("chunk longer than its size", post + "Transfer-Encoding: chunked\r\n\r\n2\r\n{\"model\":\"target\"}\r\n0\r\n\r\n");
    requests.put("chunked and a content-length", post + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}");
    requests.put("unknown transfer-encoding", post + "Transfer-Encoding: gzip, rot13\r\n\r\n{}");
    requests.put("valid HTTP, body not JSON", post + "Content-Length: 2\r\n\r\n{]");
    for (Map.Entry<String, String> request : requests.entrySet()) {
      long start = System.nanoTime();
      Raw answer = RawHttp.exchange(harness.gateway.port(), ascii(request.getValue()));
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(millis).as(request.getKey()).isLessThan(5_000);
      if (answer != null) {
        assertOpenAiError(request.getKey(), answer.status(), answer.headers().get("content-type"), answer.body());
      }
    }
    assertStillServes();
  }

  @Test
  void refusesHostileBodiesWithA4xxInOpenAiShapeNeverA500() throws Exception {
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("100,000 open brackets", "[".repeat(100_000).getBytes(StandardCharsets.UTF_8));
    bodies.put("model after deep nesting", ("{\"x\":" + "[".repeat(100_000) + ",\"model\":\"target\"}").getBytes(StandardCharsets.UTF_8));
    bodies.put("invalid UTF-8 in the model", new byte[] {'{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
    bodies.put("invalid UTF-8 elsewhere", ("{\"model\":\"target\",\"x\":\"" + "\u00ff" + "\"}").getBytes(StandardCharsets.ISO_8859_1));
    bodies.put("overlong UTF-8", new byte[] {'{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'});
    bodies.put("1.5 MB model name", ("{\"model\":\"" + "m".repeat(1_500_000) + "\"}").getBytes(StandardCharsets.UTF_8));
    bodies.put("1.5 MB number", ("{\"model\":\"target\",\"n\":" + "9".repeat(1_500_000) + "}").getBytes(StandardCharsets.UTF_8));
    bodies.put("two model keys", "{\"model\":\"target\",\"model\":\"other\"}".getBytes(StandardCharsets.UTF_8));
    bodies.put("model a number", "{\"model\":7}".getBytes(StandardCharsets.UTF_8));
    bodies.put("model null", "{\"model\":null}".getBytes(StandardCharsets.UTF_8));
    bodies.put("model an object", "{\"model\":{\"name\":\"target\"}}".getBytes(StandardCharsets.UTF_8));
    bodies.put("model a list", "{\"model\":[\"target\"]}".getBytes(StandardCharsets.UTF_8));
    bodies.put("model with control characters", "{\"model\":\"tar\\u0000get\\n\"}".getBytes(StandardCharsets.UTF_8));
    bodies.put("model an escaped lone surrogate", "{\"model\":\"\\ud800\"}".getBytes(StandardCharsets.UTF_8));
    bodies.put("NaN", "{\"model\":\"target\",\"t\":NaN}".getBytes(StandardCharsets.UTF_8));
    bodies.put("empty", new byte[0]);
    bodies.put("JSON null", "null".getBytes(StandardCharsets.UTF_8));
    bodies.put("two objects", "{\"model\":\"target\"}{\"model\":\"target\"}".getBytes(StandardCharsets.UTF_8));
    Random random = new Random(0x686f7374696c65L);
    for (int i = 0; i < 50; i++) {
      byte[] junk = new byte[1 + random.nextInt(2000)];
      random.nextBytes(junk);
      bodies.put("random bytes #" + i, junk);
    }
    for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
      HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body.getValue())).build();
      HttpResponse<String> response = harness.http.send(request, HttpResponse.BodyHandlers.ofString());

      assertOpenAiError(body.getKey(), response.statusCode(), response.headers().firstValue("content-type").orElse(null), response.body());
    }
    assertStillServes();
  }

  @Test
  void answersTenThousandBadRequestsInParallelWith4xxThenServesGoodOnes() throws Exception {
    List<HttpRequest> bad = new ArrayList<>();
    String[] bodies = {"{", "{}", "[]", "{\"model\":\"nope\"}", "{\"model\":\"target:v9\"}", "{\"model\":1}", "{\"model\":\"a b\"}"};
    for (String body : bodies) {
      bad.add(HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }
    bad.add(HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT).GET().build());
    bad.add(HttpRequest.newBuilder(harness.uri("/v1/nope")).timeout(GatewayHarness.WAIT).POST(HttpRequest.BodyPublishers.ofString(chat("target"))).build());

    Map<Integer, AtomicInteger> badStatuses = sendAll(10_000, 200, i -> bad.get(i % bad.size()), HttpResponse::statusCode);
    HttpRequest good = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(chat("target"))).build();
    // Fewer at a time: a burst of new backend connections on a loaded box is the circuit breaker's business, not this test's.
    Map<String, AtomicInteger> goodOutcomes = sendAll(500, 20, i -> good,
        r -> r.statusCode() + " " + r.headers().firstValue("x-modelgate-version").orElse("untagged") + (r.statusCode() == 200 ? "" : " " + r.body()));

    assertThat(badStatuses.keySet()).allSatisfy(status -> assertThat(status).isBetween(400, 499));
    assertThat(badStatuses.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(10_000);
    assertThat(goodOutcomes).containsOnlyKeys("200 v1");
    assertThat(goodOutcomes.get("200 v1").get()).isEqualTo(500);
  }

  /** Sends {@code count} requests, at most {@code concurrency} at a time, and counts what {@code outcome} makes of the answers. */
  private static <K> Map<K, AtomicInteger> sendAll(int count, int concurrency, IntFunction<HttpRequest> request,
      Function<HttpResponse<String>, K> outcome) throws Exception {
    Map<K, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    Semaphore inFlight = new Semaphore(concurrency);
    List<CompletableFuture<?>> sent = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (!inFlight.tryAcquire(GatewayHarness.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("requests stopped completing after " + i);
      }
      sent.add(harness.http.sendAsync(request.apply(i), HttpResponse.BodyHandlers.ofString())
          .whenComplete((response, failure) -> {
            inFlight.release();
            K key = failure != null ? null : outcome.apply(response);
            if (key != null) {
              outcomes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            }
          }));
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(GatewayHarness.WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return outcomes;
  }
}
