package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static dev.modelgate.gateway.proxy.RawHttp.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.RawHttp.Raw;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/http-api.md: a request refused before it could be routed — by the connection (400, 414, 431) or by
 * the request path (400, 401, 404, 408, 413) — still carries {@code x-request-id}, writes its
 * access-log record and is counted, under {@code model="unknown"}.
 */
class RefusedRequestsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-refused-test";
  private static final String GENERATED = "[0-9a-f]{32}";
  private static final String POST = "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n";
  private static final GatewayHarness harness = new GatewayHarness();
  private static Path accessLog;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    Simulator sim = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2));
    accessLog = dir.resolve("access.jsonl");
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, max_body_bytes: 1024,
                 request_read_timeout: 300ms, max_header_bytes: 2048, max_headers: 20, max_url_bytes: 1024}
        access_log: %s
        auth: {client_keys_env: [CLIENT_KEY]}
        models:
          known:
            versions:
              v1: {artifact: "s3://m/known", served_model: known, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(JSON.writeValueAsString(accessLog.toString()), url(sim)), Map.of("CLIENT_KEY", KEY));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  private static String post(String headers, String body) {
    return POST + "Authorization: Bearer " + KEY + "\r\n" + headers + "Content-Length: " + body.length() + "\r\n\r\n" + body;
  }

  /**
   * What is sent, what the answer must be, the request id it must carry ({@code null}: a generated
   * one) and whether it counts as an inference request.
   */
  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of("garbage request line", "GARBAGE\r\n\r\n", 400, null, true),
        Arguments.of("unknown HTTP version", "POST /v1/chat/completions HTTP/9.9\r\nHost: gateway\r\nx-request-id: bad-version\r\n\r\n",
            400, "bad-version", true),
        Arguments.of("overlong URL", "POST /v1/chat/completions?" + "a".repeat(1100) + " HTTP/1.1\r\nx-request-id: never-read\r\n\r\n",
            414, null, true),
        Arguments.of("oversized header", "POST /v1/chat/completions HTTP/1.1\r\nx-request-id: half-read\r\nX-Big: " + "a".repeat(2100) + "\r\n\r\n",
            431, null, true),
        Arguments.of("too many headers", POST + "x-request-id: many-headers\r\n" + "X-Same: 1\r\n".repeat(21) + "\r\n",
            431, "many-headers", true),
        Arguments.of("too many headers on a listing", "GET /v1/models HTTP/1.1\r\nx-request-id: many-on-models\r\n" + "X-Same: 1\r\n".repeat(21) + "\r\n",
            431, "many-on-models", false),
        Arguments.of("broken chunked body", POST + "Authorization: Bearer " + KEY + "\r\nx-request-id: broken-chunks\r\n"
            + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400, "broken-chunks", true),
        Arguments.of("invalid JSON", post("x-request-id: invalid-json\r\n", "{]"), 400, "invalid-json", true),
        Arguments.of("no client key", POST + "x-request-id: no-key\r\nContent-Length: 2\r\n\r\n{}", 401, "no-key", true),
        Arguments.of("unknown model", post("x-request-id: unknown-model\r\n", chat("nobody")), 404, "unknown-model", true),
        Arguments.of("declared body over the limit", POST + "Authorization: Bearer " + KEY + "\r\nx-request-id: too-large\r\n"
            + "Content-Length: 5000\r\n\r\n", 413, "too-large", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void identifiesRecordsAndCountsARefusal(String what, String request, int status, String clientId, boolean inference) throws Exception {
    double before = unknownClientErrors();

    Raw answer = RawHttp.exchange(harness.gateway.port(), ascii(request));

    assertIdentifiedRecordedAndCounted(answer, status, clientId, before + (inference ? 1 : 0));
  }

  @Test
  void identifiesRecordsAndCountsABodyThatNeverArrives() throws Exception {
    double before = unknownClientErrors();
    try (Socket socket = RawHttp.connect(harness.gateway.port())) {
      socket.getOutputStream().write(ascii(POST + "Authorization: Bearer " + KEY + "\r\nx-request-id: late-body\r\nContent-Length: 100\r\n\r\n{\"model\":"));

      Raw answer = RawHttp.readResponse(socket.getInputStream());

      assertIdentifiedRecordedAndCounted(answer, 408, "late-body", before + 1);
    }
  }

  @RepeatedTest(10)
  void theAnswerToAnOversizedBodyReachesAClientStillSendingIt() throws Exception {
    // Megabytes: the gateway answers while most of the body is still in flight. Closed with that
    // unread, the connection would be reset, and a reset can destroy the answer before it is read.
    String body = "{\"model\":\"known\",\"prompt\":\"" + "x".repeat(4 << 20) + "\"}";

    HttpResponse<String> response = harness.post("/v1/completions", body, "authorization", "Bearer " + KEY, "x-request-id", "still-sending");

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.headers().firstValue("x-request-id")).hasValue("still-sending");
    assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("request_too_large");
  }

  private static void assertIdentifiedRecordedAndCounted(Raw answer, int status, String clientId, double countAfter) throws Exception {
    assertThat(answer).as("an answer, not a bare close").isNotNull();
    assertThat(answer.status()).isEqualTo(status);
    assertThat(JSON.readTree(answer.body()).path("error").path("message").asText()).isNotBlank();
    String id = answer.headers().get("x-request-id");
    if (clientId == null) {
      assertThat(id).matches(GENERATED);
    } else {
      assertThat(id).isEqualTo(clientId);
    }
    JsonNode record = GatewayHarness.awaitLogRecord(accessLog, id);
    assertThat(record.path("status").asInt()).isEqualTo(status);
    assertThat(record.path("version").isNull()).isTrue();
    assertThat(record.path("error").asText()).isEqualTo(JSON.readTree(answer.body()).path("error").path("message").asText());
    // The record is written after the count: once it is there, the count is final.
    assertThat(unknownClientErrors()).isEqualTo(countAfter);
  }

  private static double unknownClientErrors() throws Exception {
    return harness.metric("modelgate_requests_total", "model", "unknown", "outcome", "client_error");
  }
}
