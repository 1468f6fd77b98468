package dev.modelgate.gateway.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.fault.FaultyBackend.Answer;
import dev.modelgate.gateway.fault.FaultyBackend.CloseBeforeResponse;
import dev.modelgate.gateway.fault.FaultyBackend.Fault;
import dev.modelgate.gateway.fault.FaultyBackend.Hang;
import dev.modelgate.gateway.fault.FaultyBackend.Status;
import dev.modelgate.gateway.proxy.GatewayHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A shadow version that hangs, resets or fails, through a real gateway: the client's answers keep
 * their status, body and latency (far below the shadow's timeout), while each copy is counted by
 * how it ended, logged with route {@code shadow} and judged in the shadow version's SLO window.
 * One model per fault, every request mirrored, so every count is exact.
 */
class ShadowFaultsTest {
  private static final long TIMEOUT_MS = 3000;
  // A client that waited for its hanging shadow would take the whole timeout.
  private static final long CLIENT_LATENCY_BOUND_MS = TIMEOUT_MS / 2;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VIEWER = "viewer-secret";
  private static final GatewayHarness harness = new GatewayHarness();
  private static final List<FaultyBackend> backends = new ArrayList<>();
  private static final AtomicInteger ids = new AtomicInteger();
  private static Path accessLog;

  @BeforeAll
  static void start() throws Exception {
    FaultyBackend primary = backend(new Answer(3));
    Map<String, Fault> shadows = new LinkedHashMap<>();
    shadows.put("shadow-good", new Answer(3));
    shadows.put("shadow-hangs", new Hang());
    shadows.put("shadow-resets", new CloseBeforeResponse(true));
    shadows.put("shadow-fails", new Status(500));
    StringBuilder models = new StringBuilder("""
          plain:
            versions:
              v1: {artifact: "s3://m/v1", served_model: served, endpoints: ["%s"]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(primary.url()));
    for (Map.Entry<String, Fault> shadow : shadows.entrySet()) {
      models.append("""
            %s:
              versions:
                v1: {artifact: "s3://m/v1", served_model: served, endpoints: ["%s"]}
                v2: {artifact: "s3://m/v2", served_model: shadowed, endpoints: ["%s"]}
              aliases:
                production:
                  weights: {v1: 100}
                  stable: v1
                  slo: {window: 60s, evaluation_interval: 30s, min_requests: 1000}
                  shadow: {version: v2, percent: 100}
          """.formatted(shadow.getKey(), primary.url(), backend(shadow.getValue()).url()));
    }
    accessLog = Files.createTempDirectory("modelgate-shadow-faults-").resolve("access.jsonl");
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, upstream_timeout: %dms, connect_timeout: 500ms}
        access_log: "%s"
        auth: {admin_tokens: [{token_env: VIEWER_TOKEN, role: viewer}]}
        models:
        %s""".formatted(TIMEOUT_MS, accessLog, models), Map.of("VIEWER_TOKEN", VIEWER));
    // Connections and code paths warm, so a client's latency measures the gateway, not a cold start.
    for (int i = 0; i < 4; i++) {
      assertThat(ClientAnswer.chat(harness.http(), harness.uri("/v1/chat/completions"), "plain", i % 2 == 1, "warm-" + i).status()).isEqualTo(200);
    }
  }

  private static FaultyBackend backend(Fault fault) throws Exception {
    FaultyBackend backend = FaultyBackend.always(fault);
    backends.add(backend);
    return backend;
  }

  @AfterAll
  static void stop() throws Exception {
    harness.close();
    for (FaultyBackend backend : backends) {
      backend.close();
    }
  }

  /** Four whole answers and two streams, each checked as the client sees it; returns their request ids. */
  private static List<String> clientAnswersAreUntouched(String model) throws Exception {
    List<String> requestIds = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      boolean stream = i >= 4;
      long start = System.nanoTime();
      ClientAnswer answer = ClientAnswer.chat(harness.http(), harness.uri("/v1/chat/completions"), model, stream, model + "-" + ids.incrementAndGet());
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.problem()).as("answer %s", answer.requestId()).isNull();
      assertThat(answer.header("x-modelgate-version")).isEqualTo("v1");
      assertThat(answer.header("x-modelgate-route")).isEqualTo("stable");
      assertThat(tookMs).as("latency of %s in ms", answer.requestId()).isLessThan(CLIENT_LATENCY_BOUND_MS);
      if (stream) {
        assertThat(answer.events()).last().isEqualTo("data: [DONE]");
      } else {
        assertThat(ClientAnswer.JSON.readTree(answer.body()).path("choices").path(0).path("message").path("content").asText()).isEqualTo(FaultyBackend.CONTENT);
      }
      requestIds.add(answer.requestId());
    }
    return requestIds;
  }

  private static void copiesEnded(String model, String outcome, int loggedStatus, List<String> requestIds, int failures) throws Exception {
    harness.awaitMetric(requestIds.size(), "modelgate_shadow_requests_total", "model", model, "version", "v2", "outcome", outcome);
    assertThat(harness.metric("modelgate_requests_total", "model", model, "version", "v2", "route", "shadow")).isEqualTo(requestIds.size());
    assertThat(harness.metric("modelgate_requests_total", "model", model, "version", "v1", "route", "stable", "outcome", "success"))
        .isEqualTo(requestIds.size());
    for (String requestId : requestIds) {
      JsonNode shadow = awaitShadowRecord(requestId);
      assertThat(shadow.path("version").asText()).isEqualTo("v2");
      assertThat(shadow.path("status").asInt()).isEqualTo(loggedStatus);
    }
    JsonNode alias = JSON.readTree(harness.admin("GET", "/admin/v1/models/" + model + "/aliases/production", VIEWER, null).body());
    JsonNode window = alias.path("slo").path("versions").path("v2");
    assertThat(window.path("requests").asInt()).as(alias.toString()).isEqualTo(requestIds.size());
    assertThat(window.path("failures").asInt()).as(alias.toString()).isEqualTo(failures);
  }

  private static JsonNode awaitShadowRecord(String requestId) throws Exception {
    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode record : GatewayHarness.logRecords(accessLog)) {
        if (record.path("request_id").asText().equals(requestId) && record.path("route").asText().equals("shadow")) {
          return record;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no shadow record of " + requestId + " in the access log");
  }

  @Test
  void aHealthyShadowGetsACopyOfEveryRequestAndItsAnswerIsDropped() throws Exception {
    List<String> requestIds = clientAnswersAreUntouched("shadow-good");
    copiesEnded("shadow-good", "success", 200, requestIds, 0);
  }

  @Test
  void aShadowThatHangsLeavesClientAnswersAndLatencyUnchangedAndTimesOut() throws Exception {
    List<String> requestIds = clientAnswersAreUntouched("shadow-hangs");
    copiesEnded("shadow-hangs", "timeout", 504, requestIds, requestIds.size());
  }

  @Test
  void aShadowThatResetsLeavesClientAnswersUnchanged() throws Exception {
    List<String> requestIds = clientAnswersAreUntouched("shadow-resets");
    copiesEnded("shadow-resets", "upstream_error", 502, requestIds, requestIds.size());
  }

  @Test
  void aShadowThatAnswers500LeavesClientAnswersUnchanged() throws Exception {
    List<String> requestIds = clientAnswersAreUntouched("shadow-fails");
    copiesEnded("shadow-fails", "upstream_error", 500, requestIds, requestIds.size());
  }

  @Test
  void copiesBeyondTheInFlightBoundAreDroppedAndCountedWhileClientsAreServed() throws Exception {
    int requests = 140;
    try (FaultyBackend primary = FaultyBackend.always(new Answer(1)); FaultyBackend hangs = FaultyBackend.always(new Hang());
        GatewayHarness own = new GatewayHarness()) {
      own.start("""
          server: {port: 0, admin_port: 0, host: 127.0.0.1, upstream_timeout: 60s}
          access_log: "off"
          models:
            bounded:
              versions:
                v1: {artifact: "s3://m/v1", served_model: served, endpoints: ["%s"]}
                v2: {artifact: "s3://m/v2", served_model: shadowed, endpoints: ["%s"]}
              aliases:
                production: {weights: {v1: 100}, stable: v1, shadow: {version: v2, percent: 100}}
          """.formatted(primary.url(), hangs.url()));
      for (int i = 0; i < requests; i++) {
        assertThat(ClientAnswer.chat(own.http(), own.uri("/v1/chat/completions"), "bounded", false, "bounded-" + i).status()).isEqualTo(200);
      }
      // Every copy sent hangs for a minute, so exactly those beyond the bound (Shadows.MAX_IN_FLIGHT) are dropped.
      assertThat(own.metric("modelgate_shadow_requests_total", "model", "bounded", "outcome", "dropped")).isEqualTo(requests - 128);
      assertThat(own.metric("modelgate_inflight_requests", "model", "bounded", "version", "v2")).isEqualTo(128);
    }
  }
}
