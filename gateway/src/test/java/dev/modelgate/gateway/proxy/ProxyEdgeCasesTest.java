package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static dev.modelgate.gateway.proxy.RawHttp.readHead;
import static dev.modelgate.gateway.proxy.RawHttp.readResponse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.RawHttp.Raw;
import dev.modelgate.gateway.sim.RecordedRequest;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The request path under awkward clients and backends, end to end. */
class ProxyEdgeCasesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 65_536;
  private static final GatewayHarness harness = new GatewayHarness();
  private static final GatewayHarness withKeys = new GatewayHarness();
  private static final List<RecordedRequest> seenBySim = new CopyOnWriteArrayList<>();
  private static final CountDownLatch endlessStreamClosed = new CountDownLatch(1);
  private static Simulator sim;

  @BeforeAll
  static void start() throws Exception {
    sim = harness.sim(SimOptions.defaults().withModel("backend").withTtft(Duration.ofMillis(1)).withInterTokenLatency(Duration.ofMillis(1)).withTokens(3));
    sim.onRequest(seenBySim::add);
    HttpServer headThenSilence = GatewayHarness.await(harness.vertx.createHttpServer().requestHandler(request -> request.response()
        .putHeader("content-type", "application/json").putHeader("content-length", "1000").writeHead()).listen(0, "127.0.0.1"));
    HttpServer endless = GatewayHarness.await(harness.vertx.createHttpServer().requestHandler(request -> {
      var response = request.response().setChunked(true).putHeader("content-type", "text/event-stream");
      long timer = harness.vertx.setPeriodic(20, id -> response.write("data: {\"choices\":[{\"delta\":{\"content\":\"la\"}}]}\n\n"));
      response.closeHandler(v -> {
        harness.vertx.cancelTimer(timer);
        endlessStreamClosed.countDown();
      });
    }).listen(0, "127.0.0.1"));
    HttpServer refuses = GatewayHarness.await(harness.vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(b -> {
      boolean limited = request.path().endsWith("/chat/completions");
      request.response().setStatusCode(limited ? 429 : 503).putHeader("content-type", "application/json").putHeader("retry-after", "7")
          .putHeader("x-request-id", "backend-id").end("{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}");
    })).listen(0, "127.0.0.1"));
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, upstream_timeout: 1s, connect_timeout: 1s, max_body_bytes: %d}
        access_log: "off"
        models:
          edge:
            versions:
              v1: {artifact: "s3://m/edge", served_model: edge-served, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          silent-body:
            versions:
              v1: {artifact: "s3://m/silent", served_model: silent, endpoints: ["http://127.0.0.1:%d"]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          endless:
            versions:
              v1: {artifact: "s3://m/endless", served_model: endless, endpoints: ["http://127.0.0.1:%d"]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          refuses:
            versions:
              v1: {artifact: "s3://m/refuses", served_model: refuses, endpoints: ["http://127.0.0.1:%d"]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(MAX_BODY, url(sim), headThenSilence.actualPort(), endless.actualPort(), refuses.actualPort()));
    withKeys.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1}
        access_log: "off"
        auth: {client_keys_env: [TEAM_A_KEY, TEAM_B_KEY]}
        models:
          edge:
            versions:
              v1: {artifact: "s3://m/edge", served_model: edge-served, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(url(sim)), Map.of("TEAM_A_KEY", "sk-team-a", "TEAM_B_KEY", " sk-team-b "));
  }

  @AfterAll
  static void stop() {
    withKeys.close();
    harness.close();
  }

  private static JsonNode error(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body()).path("error");
  }

  // ---- bugs found in review ----

  @Test
  void refusesAUtf16BodyWith400RatherThanFailingInside() throws Exception {
    byte[] utf16 = chat("edge").getBytes(StandardCharsets.UTF_16);
    HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(utf16)).build();

    HttpResponse<String> response = harness.http.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(error(response).path("message").asText()).contains("UTF-8");
  }

  @Test
  void answersAModelIdWithABrokenPercentEscapeWith404() throws Exception {
    for (String path : List.of("/v1/models/%zz", "/v1/models/edge%", "/v1/models/%E0%A4%A")) {
      try (Socket socket = connect()) {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: gateway\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        Raw answer = readResponse(socket.getInputStream());

        assertThat(answer.status()).as(path).isEqualTo(404);
        assertThat(JSON.readTree(answer.body()).path("error").path("code").asText()).isEqualTo("model_not_found");
      }
    }
  }

  @Test
  void givesUpOnABackendThatNeverAcceptsWithinTheConnectTimeout() throws Exception {
    // A listener whose accept queue is full drops further SYNs: a connect to it hangs, as to a starved backend.
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()); GatewayHarness own = new GatewayHarness()) {
      List<Socket> queued = new ArrayList<>();
      try {
        boolean hangs = false;
        for (int i = 0; i < 16 && !hangs; i++) {
          Socket socket = new Socket();
          queued.add(socket);
          try {
            socket.connect(full.getLocalSocketAddress(), 200);
          } catch (SocketTimeoutException e) {
            hangs = true;
          }
        }
        assertThat(hangs).as("the listener's queue filled up").isTrue();
        own.start("""
            server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, upstream_timeout: 20s, connect_timeout: 300ms}
            access_log: "off"
            models:
              starved:
                versions:
                  v1: {artifact: "s3://m/starved", served_model: starved, endpoints: ["http://127.0.0.1:%d"]}
                aliases:
                  production: {weights: {v1: 100}, stable: v1}
            """.formatted(full.getLocalPort()));
        long start = System.nanoTime();
        HttpResponse<String> answer = own.post("/v1/chat/completions", chat("starved"));

        assertThat(answer.statusCode()).isEqualTo(502);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      } finally {
        for (Socket socket : queued) {
          socket.close();
        }
      }
    }
  }

  @Test
  void answers504WithAWellFormedBodyWhenTheBackendSentItsHeadersThenFellSilent() throws Exception {
    byte[] body = chat("silent-body").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = connect()) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body);
      // With the backend's content-length left on the error, this read waits for bytes that never come.
      Raw answer = readResponse(socket.getInputStream());

      assertThat(answer.status()).isEqualTo(504);
      assertThat(answer.headers().get("content-type")).isEqualTo("application/json");
      assertThat(answer.headers().get("x-modelgate-version")).isEqualTo("v1");
      assertThat(JSON.readTree(answer.body()).path("error").path("code").asText()).isEqualTo("upstream_timeout");
    }
  }

  @Test
  void tellsAClientThatExpectsContinueToSendItsBody() throws Exception {
    byte[] body = chat("edge").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = connect()) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
          + "Expect: 100-continue\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Raw interim = readResponse(socket.getInputStream());
      assertThat(interim.status()).isEqualTo(100);

      out.write(body);
      out.flush();
      Raw answer = readResponse(socket.getInputStream());
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.headers().get("x-modelgate-version")).isEqualTo("v1");
    }
  }

  @Test
  void refusesAnOversizedBodyWithoutAskingForIt() throws Exception {
    try (Socket socket = connect()) {
      socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
          + "Expect: 100-continue\r\nContent-Length: " + (MAX_BODY + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      Raw answer = readResponse(socket.getInputStream());

      assertThat(answer.status()).isEqualTo(413);
    }
  }

  // ---- behaviour the review checked ----

  @Test
  void cancelsTheUpstreamStreamAndReleasesTheVersionWhenTheClientHangsUp() throws Exception {
    try (Socket socket = connect()) {
      byte[] body = "{\"model\":\"endless\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8);
      socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body);
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("x-modelgate-version: v1");
      assertThat(new String(in.readNBytes(200), StandardCharsets.UTF_8)).contains("data: ");
      assertThat(harness.metric("modelgate_inflight_requests", "model", "endless")).isEqualTo(1);
    }

    assertThat(endlessStreamClosed.await(10, TimeUnit.SECONDS)).as("the backend's stream was cancelled").isTrue();
    harness.awaitMetric(0, "modelgate_inflight_requests", "model", "endless");
    // A client hanging up is not the backend failing: no upstream error, nothing against its breaker.
    String metrics = harness.get(harness.adminUri("/metrics")).body();
    assertThat(metrics).containsPattern("modelgate_requests_total\\{[^}]*model=\"endless\"[^}]*outcome=\"cancelled\"[^}]*} 1\\.0")
        .doesNotContainPattern("modelgate_upstream_errors_total\\{[^}]*model=\"endless\"[^}]*} [1-9]")
        .doesNotContainPattern("modelgate_requests_total\\{[^}]*model=\"endless\"[^}]*outcome=\"upstream_error\"[^}]*} [1-9]");
  }

  @Test
  void readsABodySentInManySmallChunksWithoutALength() throws Exception {
    seenBySim.clear();
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"caf\u00e9 " + "x".repeat(3000) + "\"}], \"model\" : \"edge\", \"n\":1}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      for (int at = 0; at < bytes.length; at += 7) {
        int n = Math.min(7, bytes.length - at);
        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes, at, n);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Raw answer = readResponse(socket.getInputStream());

      assertThat(answer.status()).isEqualTo(200);
    }
    RecordedRequest forwarded = seenBySim.get(0);
    assertThat(forwarded.body()).isEqualTo(body.replace("\"edge\"", "\"edge-served\""));
    assertThat(forwarded.headers()).doesNotContainKey("transfer-encoding");
    assertThat(forwarded.headers().get("content-length")).containsExactly(String.valueOf(forwarded.body().getBytes(StandardCharsets.UTF_8).length));
  }

  @Test
  void refusesAChunkedBodyOnceItPassesTheLimit() throws Exception {
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[4096];
      java.util.Arrays.fill(chunk, (byte) 'x');
      // One byte over the limit and no terminating chunk, so everything sent is read before the gateway closes.
      for (int sent = 0; sent <= MAX_BODY; sent += chunk.length) {
        int n = Math.min(chunk.length, MAX_BODY + 1 - sent);
        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(chunk, 0, n);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
      Raw answer = readResponse(socket.getInputStream());

      assertThat(answer.status()).isEqualTo(413);
      assertThat(JSON.readTree(answer.body()).path("error").path("code").asText()).isEqualTo("request_too_large");
    }
  }

  @Test
  void answersOneModelById() throws Exception {
    HttpResponse<String> pinned = harness.get(harness.uri("/v1/models/edge:v1"));
    HttpResponse<String> escaped = harness.get(harness.uri("/v1/models/edge%3Aproduction"));
    HttpResponse<String> unknown = harness.get(harness.uri("/v1/models/edge:v9"));

    assertThat(pinned.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(pinned.body()).path("id").asText()).isEqualTo("edge:v1");
    assertThat(JSON.readTree(pinned.body()).path("object").asText()).isEqualTo("model");
    assertThat(JSON.readTree(escaped.body()).path("id").asText()).isEqualTo("edge:production");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(error(unknown).path("code").asText()).isEqualTo("model_not_found");
  }

  @Test
  void answersAnUnknownPathWith404AndTheWrongMethodWith405() throws Exception {
    HttpResponse<String> unknown = harness.post("/v1/chat/complete", chat("edge"));
    HttpResponse<String> getChat = harness.get(harness.uri("/v1/chat/completions"));
    HttpResponse<String> postModels = harness.post("/v1/models", "{}");

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(error(unknown).path("code").asText()).isEqualTo("unknown_url");
    assertThat(getChat.statusCode()).isEqualTo(405);
    assertThat(error(getChat).path("code").asText()).isEqualTo("method_not_allowed");
    assertThat(postModels.statusCode()).isEqualTo(405);
    for (HttpResponse<String> response : List.of(unknown, getChat, postModels)) {
      assertThat(response.headers().firstValue("x-request-id")).isPresent();
    }
  }

  @Test
  void relaysTheBackendsOwnErrorsTaggedWithTheVersion() throws Exception {
    HttpResponse<String> limited = harness.post("/v1/chat/completions", chat("refuses"), "x-request-id", "mine");
    HttpResponse<String> unavailable = harness.post("/v1/embeddings", "{\"model\":\"refuses\",\"input\":\"x\"}");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("retry-after")).hasValue("7");
    assertThat(limited.headers().allValues("x-request-id")).containsExactly("mine");
    assertThat(error(limited).path("message").asText()).isEqualTo("slow down");
    assertThat(unavailable.statusCode()).isEqualTo(503);
    for (HttpResponse<String> response : List.of(limited, unavailable)) {
      assertThat(response.headers().firstValue("x-modelgate-model")).hasValue("refuses");
      assertThat(response.headers().firstValue("x-modelgate-alias")).hasValue("production");
      assertThat(response.headers().firstValue("x-modelgate-version")).hasValue("v1");
      assertThat(response.headers().firstValue("x-modelgate-route")).hasValue("stable");
    }
  }

  @Test
  void answersAModelNameThatCannotBeAHeaderWith404AndStaysUsable() throws Exception {
    for (String model : List.of("edge\r\nx-injected: yes", "edge\nx-injected: yes", "\u00e9dge", "edge\u0000", "edge\u2028x", "\ud83d\ude80")) {
      String body = "{\"model\":" + JSON.writeValueAsString(model) + ",\"messages\":[]}";
      HttpResponse<String> response = harness.post("/v1/chat/completions", body);

      assertThat(response.statusCode()).as(model).isEqualTo(404);
      assertThat(response.headers().map()).doesNotContainKey("x-injected");
      assertThat(response.headers().firstValue("x-modelgate-model")).isEmpty();
      assertThat(error(response).path("code").asText()).isEqualTo("model_not_found");
    }
    assertThat(harness.post("/v1/chat/completions", chat("edge")).statusCode()).isEqualTo(200);
  }

  @Test
  void namesAValidButUnknownModelInItsHeader() throws Exception {
    HttpResponse<String> response = harness.post("/v1/chat/completions", chat("edge:canary"));

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("x-modelgate-model")).hasValue("edge");
  }

  @Test
  void acceptsOnlyAConfiguredClientKeyAndNeverForwardsIt() throws Exception {
    seenBySim.clear();
    HttpResponse<String> none = withKeys.post("/v1/chat/completions", chat("edge"));
    HttpResponse<String> wrong = withKeys.post("/v1/chat/completions", chat("edge"), "authorization", "Bearer sk-team-c");
    HttpResponse<String> notBearer = withKeys.post("/v1/chat/completions", chat("edge"), "authorization", "sk-team-a");
    HttpResponse<String> prefix = withKeys.post("/v1/chat/completions", chat("edge"), "authorization", "Bearer sk-team");
    HttpResponse<String> listWithout = withKeys.get(withKeys.uri("/v1/models"));
    assertThat(seenBySim).isEmpty();

    for (HttpResponse<String> refused : List.of(none, wrong, notBearer, prefix, listWithout)) {
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(error(refused).path("code").asText()).isEqualTo("invalid_api_key");
    }
    HttpResponse<String> teamA = withKeys.post("/v1/chat/completions", chat("edge"), "authorization", "Bearer sk-team-a");
    HttpResponse<String> teamB = withKeys.post("/v1/chat/completions", chat("edge"), "authorization", "bearer sk-team-b");
    assertThat(teamA.statusCode()).isEqualTo(200);
    assertThat(teamB.statusCode()).isEqualTo(200);
    assertThat(seenBySim).hasSize(2).allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("authorization"));
  }

  // ---- helpers ----

  private static Socket connect() throws IOException {
    return RawHttp.connect(harness.gateway.port());
  }
}
