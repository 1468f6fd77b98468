package dev.modelgate.gateway.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.gateway.fault.FaultyBackend.Answer;
import dev.modelgate.gateway.fault.FaultyBackend.BreakMidStream;
import dev.modelgate.gateway.fault.FaultyBackend.CloseBeforeResponse;
import dev.modelgate.gateway.fault.FaultyBackend.Fault;
import dev.modelgate.gateway.fault.FaultyBackend.Garbage;
import dev.modelgate.gateway.fault.FaultyBackend.Hang;
import dev.modelgate.gateway.fault.FaultyBackend.Large;
import dev.modelgate.gateway.fault.FaultyBackend.Status;
import dev.modelgate.gateway.fault.FaultyBackend.TrickleBody;
import dev.modelgate.gateway.fault.FaultyBackend.TrickleStream;
import dev.modelgate.gateway.proxy.GatewayHarness;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each way a backend can fail, through a real gateway: what the client gets, that the failure is
 * counted and logged once, and that the gateway stays healthy afterwards. One model per fault, so
 * every count is exact.
 */
class BackendFaultsTest {
  private static final long TIMEOUT_MS = 2000;
  private static final int TEN_MB = 10 * 1024 * 1024;
  private static final GatewayHarness harness = new GatewayHarness();
  private static final Map<String, FaultyBackend> backends = new LinkedHashMap<>();
  private static final AtomicInteger ids = new AtomicInteger();
  private static Path accessLog;

  @BeforeAll
  static void start() throws Exception {
    Map<String, Fault> faults = new LinkedHashMap<>();
    faults.put("good", new Answer(3));
    faults.put("hangs", new Hang());
    faults.put("closes", new CloseBeforeResponse(false));
    faults.put("resets", new CloseBeforeResponse(true));
    faults.put("breaks", new BreakMidStream(2, false));
    faults.put("breaks-rst", new BreakMidStream(2, true));
    faults.put("fails", new Status(500));
    faults.put("trickles", new TrickleStream(4, TIMEOUT_MS * 2 / 5));
    faults.put("stalls", new TrickleStream(2, TIMEOUT_MS * 2));
    faults.put("trickles-body", new TrickleBody(1));
    faults.put("crawls-body", new TrickleBody(20));
    faults.put("garbage", new Garbage());
    faults.put("large", new Large(TEN_MB));
    StringBuilder models = new StringBuilder();
    for (Map.Entry<String, Fault> fault : faults.entrySet()) {
      FaultyBackend backend = FaultyBackend.always(fault.getValue());
      backends.put(fault.getKey(), backend);
      models.append("""
            %s:
              versions:
                v1: {artifact: "s3://m/%1$s", served_model: served, endpoints: ["%s"]}
              aliases:
                production: {weights: {v1: 100}, stable: v1, slo: {window: 60s, evaluation_interval: 30s, min_requests: 1000}}
          """.formatted(fault.getKey(), backend.url()));
    }
    accessLog = Files.createTempDirectory("modelgate-faults-").resolve("access.jsonl");
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, upstream_timeout: %dms, connect_timeout: 500ms}
        access_log: "%s"
        auth: {admin_tokens: [{token_env: VIEWER_TOKEN, role: viewer}]}
        models:
        %s""".formatted(TIMEOUT_MS, accessLog, models), Map.of("VIEWER_TOKEN", "viewer-secret"));
  }

  @AfterAll
  static void stop() throws Exception {
    harness.close();
    for (FaultyBackend backend : backends.values()) {
      backend.close();
    }
  }

  /** Whatever a fault did, the next good request is served and the gateway reports ready. */
  @AfterEach
  void gatewayStaysHealthy() throws Exception {
    ClientAnswer good = send("good", false);
    assertThat(good.status()).isEqualTo(200);
    assertThat(good.problem()).isNull();
    ClientAnswer goodStream = send("good", true);
    assertThat(goodStream.problem()).isNull();
    assertThat(goodStream.events()).last().isEqualTo("data: [DONE]");
    assertThat(harness.get(harness.adminUri("/readyz")).statusCode()).isEqualTo(200);
  }

  private static ClientAnswer send(String model, boolean stream) throws Exception {
    return ClientAnswer.chat(harness.http(), harness.uri("/v1/chat/completions"), model, stream, model + "-" + ids.incrementAndGet());
  }

  /** The tags every answer carries, errors included. */
  private static void assertTagged(ClientAnswer answer, String model) {
    assertThat(answer.header("x-modelgate-model")).isEqualTo(model);
    assertThat(answer.header("x-modelgate-alias")).isEqualTo("production");
    assertThat(answer.header("x-modelgate-version")).isEqualTo("v1");
    assertThat(answer.header("x-modelgate-route")).isEqualTo("stable");
    assertThat(answer.header("x-request-id")).isEqualTo(answer.requestId());
  }

  private static void assertJsonError(ClientAnswer answer, int status, String code) throws Exception {
    assertThat(answer.status()).isEqualTo(status);
    assertThat(answer.header("content-type")).isEqualTo("application/json");
    assertThat(answer.problem()).isNull();
    JsonNode error = answer.error();
    assertThat(error.path("code").asText()).isEqualTo(code);
    assertThat(error.path("type").asText()).isNotEmpty();
    assertThat(error.path("message").asText()).contains("v1");
    assertThat(error.has("param")).isTrue();
  }

  private static void assertBrokenStream(ClientAnswer answer, String code) throws Exception {
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.problem()).isNull();
    assertThat(answer.body()).startsWith("data: {\"id\"").doesNotContain("[DONE]");
    assertThat(answer.events().get(answer.events().size() - 1)).startsWith("data: {\"error\":");
    assertThat(answer.error().path("code").asText()).isEqualTo(code);
    assertThat(answer.cutShort()).as("the connection is closed after the error event").isTrue();
  }

  /**
   * Exactly one access log record with this status, one request counted under this outcome, and
   * (unless null) one upstream error of this kind.
   */
  private static void assertRecorded(ClientAnswer answer, String model, int loggedStatus, String outcome, String errorKind) throws Exception {
    JsonNode record = GatewayHarness.awaitLogRecord(accessLog, answer.requestId());
    assertThat(record.path("status").asInt()).isEqualTo(loggedStatus);
    assertThat(record.path("version").asText()).isEqualTo("v1");
    assertThat(GatewayHarness.logRecords(accessLog).stream().filter(r -> r.path("request_id").asText().equals(answer.requestId())))
        .hasSize(1);
    harness.awaitMetric(1, "modelgate_requests_total", "model", model);
    assertThat(harness.metric("modelgate_requests_total", "model", model, "outcome", outcome)).isEqualTo(1);
    assertThat(harness.metric("modelgate_upstream_errors_total", "model", model)).isEqualTo(errorKind == null ? 0 : 1);
    if (errorKind != null) {
      assertThat(harness.metric("modelgate_upstream_errors_total", "model", model, "kind", errorKind)).isEqualTo(1);
    }
    harness.awaitMetric(0, "modelgate_inflight_requests", "model", model);
  }

  /** The SLO guard's live figures for the model's alias, as the admin API shows them. */
  private static JsonNode sloFigures(String model) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(harness.adminUri("/admin/v1/models/" + model + "/aliases/production"))
        .timeout(GatewayHarness.WAIT).header("authorization", "Bearer viewer-secret").GET().build();
    HttpResponse<String> response = harness.http().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return ClientAnswer.JSON.readTree(response.body()).path("slo").path("versions").path("v1");
  }

  @Test
  void answers504WhenTheBackendAcceptsAndNeverAnswers() throws Exception {
    long start = System.nanoTime();
    ClientAnswer answer = send("hangs", false);

    assertThat((System.nanoTime() - start) / 1_000_000).isBetween(TIMEOUT_MS - 100, TIMEOUT_MS + 2_000);
    assertJsonError(answer, 504, "upstream_timeout");
    assertTagged(answer, "hangs");
    assertRecorded(answer, "hangs", 504, "timeout", "timeout");
    // The gateway dropped the hung connection rather than leaving it to the backend.
    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    while (backends.get("hangs").openConnections() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(backends.get("hangs").openConnections()).isZero();
  }

  @Test
  void answers502WhenTheBackendClosesTheConnectionInsteadOfAnswering() throws Exception {
    for (String model : List.of("closes", "resets")) {
      ClientAnswer answer = send(model, false);

      assertJsonError(answer, 502, "upstream_failed");
      assertTagged(answer, model);
      assertRecorded(answer, model, 502, "upstream_error", "broken");
      assertThat(backends.get(model).requests()).as("sent once, never retried after it reached the backend").isEqualTo(1);
    }
  }

  @Test
  void endsAStreamTheBackendBreaksWithAnErrorEventAndACloseNeverADone() throws Exception {
    for (String model : List.of("breaks", "breaks-rst")) {
      ClientAnswer answer = send(model, true);

      assertBrokenStream(answer, "upstream_failed");
      // A backend's RST may make the gateway's kernel drop a chunk it had not read yet; a FIN never does.
      if (model.equals("breaks")) {
        assertThat(answer.events()).hasSize(3);
      } else {
        assertThat(answer.events()).hasSizeBetween(2, 3);
      }
      assertTagged(answer, model);
      assertRecorded(answer, model, 502, "upstream_error", "broken");
      // The SLO guard counts it against the version although the client got a 200 head.
      assertThat(sloFigures(model).path("failures").asLong()).isEqualTo(1);
    }
    assertThat(sloFigures("good").path("failures").asLong()).isZero();
  }

  @Test
  void relaysABackend500AsItIsTaggedWithTheVersion() throws Exception {
    ClientAnswer answer = send("fails", false);

    assertThat(answer.status()).isEqualTo(500);
    assertThat(answer.problem()).isNull();
    assertThat(answer.error().path("message").asText()).isEqualTo("backend says 500");
    assertTagged(answer, "fails");
    assertRecorded(answer, "fails", 500, "upstream_error", "status_5xx");
    assertThat(sloFigures("fails").path("failures").asLong()).isEqualTo(1);
  }

  @Test
  void relaysAStreamWhoseChunksComeSlowerThanTheWholeTimeoutButWithinItEach() throws Exception {
    long start = System.nanoTime();
    ClientAnswer answer = send("trickles", true);

    assertThat((System.nanoTime() - start) / 1_000_000).as("longer than upstream_timeout in all").isGreaterThan(TIMEOUT_MS);
    assertThat(answer.problem()).isNull();
    assertThat(answer.events()).hasSize(5).last().isEqualTo("data: [DONE]");
    assertRecorded(answer, "trickles", 200, "success", null);
  }

  @Test
  void endsAStreamSilentForLongerThanTheTimeoutWithATimeoutEvent() throws Exception {
    ClientAnswer answer = send("stalls", true);

    assertBrokenStream(answer, "upstream_timeout");
    assertThat(answer.events()).hasSize(2);
    assertRecorded(answer, "stalls", 504, "timeout", "timeout");
  }

  @Test
  void relaysAWholeAnswerTrickledByteByByteWithinTheTimeout() throws Exception {
    ClientAnswer answer = send("trickles-body", false);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.problem()).isNull();
    assertThat(answer.body()).contains(FaultyBackend.CONTENT);
    assertRecorded(answer, "trickles-body", 200, "success", null);
  }

  @Test
  void cutsAWholeAnswerStillTricklingAtTheTimeout() throws Exception {
    long start = System.nanoTime();
    ClientAnswer answer = send("crawls-body", false);

    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(TIMEOUT_MS + 2_000);
    // Its head went out with the backend's content-length: the client sees the body end short.
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.cutShort()).isTrue();
    assertThat(answer.problem()).startsWith("status 200 and a body cut short");
    assertRecorded(answer, "crawls-body", 504, "timeout", "timeout");
  }

  @Test
  void relaysAGarbage200AsTheBackendSentIt() throws Exception {
    ClientAnswer answer = send("garbage", false);

    // A proxy does not judge a backend's body: the client sees exactly what the backend said.
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(FaultyBackend.GARBAGE);
    assertThat(answer.cutShort()).isFalse();
    assertTagged(answer, "garbage");
    assertRecorded(answer, "garbage", 200, "success", null);
    JsonNode record = GatewayHarness.awaitLogRecord(accessLog, answer.requestId());
    assertThat(record.path("completion_tokens").isNull()).isTrue();
  }

  @Test
  void relaysATenMegabyteAnswerCompleteAndByteIdentical() throws Exception {
    ClientAnswer answer = send("large", false);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.cutShort()).isFalse();
    assertThat(answer.bytes().length).isEqualTo(TEN_MB);
    assertThat(answer.bytes()).isEqualTo(FaultyBackend.largeBody(TEN_MB));
    assertRecorded(answer, "large", 200, "success", null);
  }
}
