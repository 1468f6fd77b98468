package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static dev.modelgate.gateway.proxy.RawHttp.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.proxy.RawHttp.Raw;
import dev.modelgate.gateway.sim.RecordedRequest;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What must never cross the gateway: the client's credentials and hop-by-hop headers to a backend,
 * a backend key to anyone, and a request's content into the choice of where it goes.
 */
class SecurityTest {
  private static final String BACKEND_KEY = "sk-backend-7f3a9c-never-shown";
  private static final String ADMIN_TOKEN = "admin-token-for-security-test";
  private static final GatewayHarness harness = new GatewayHarness();
  private static final List<RecordedRequest> seenByKeyed = new CopyOnWriteArrayList<>();
  private static final List<RecordedRequest> seenByPlain = new CopyOnWriteArrayList<>();
  private static final List<RecordedRequest> seenByDecoy = new CopyOnWriteArrayList<>();
  private static Simulator decoy;
  private static Path accessLog;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    Simulator keyed = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2));
    Simulator plain = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2));
    // Listens on loopback but is in no config: nothing a client sends may reach it.
    decoy = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2));
    keyed.onRequest(seenByKeyed::add);
    plain.onRequest(seenByPlain::add);
    decoy.onRequest(seenByDecoy::add);
    accessLog = dir.resolve("access.jsonl");
    int dead;
    try (ServerSocket socket = new ServerSocket(0)) {
      dead = socket.getLocalPort();
    }
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, upstream_timeout: 2s, connect_timeout: 1s}
        access_log: "%s"
        auth: {admin_tokens: [{token_env: ADMIN_TOKEN, role: admin}]}
        models:
          secure:
            versions:
              v1: {artifact: "s3://m/secure-v1", served_model: secure, endpoints: [%s], api_key_env: BACKEND_KEY}
              v2: {artifact: "s3://m/secure-v2", served_model: secure, endpoints: [%s]}
              v3: {artifact: "s3://m/secure-v3", served_model: secure, endpoints: ["http://127.0.0.1:%d"], api_key_env: BACKEND_KEY}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(accessLog, url(keyed), url(plain), dead), Map.of("BACKEND_KEY", BACKEND_KEY, "ADMIN_TOKEN", ADMIN_TOKEN));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  @Test
  void forwardsNoCredentialCookieGatewayOrConnectionNamedHeaderAndSendsExactlyTheVersionsKey() throws Exception {
    seenByKeyed.clear();
    seenByPlain.clear();
    String[] hostile = {"authorization", "Bearer client-key", "cookie", "session=1", "x-modelgate-route", "stable",
        "X-ModelGate-Version", "v9", "proxy-authorization", "Basic Zm9vOmJhcg==", "x-private", "named in connection",
        "x-also-private", "also named", "x-kept", "kept"};
    // java.net.http refuses to send Connection itself, so this one goes over a raw socket.
    StringBuilder head = new StringBuilder("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        + "Connection: keep-alive, X-Private, x-also-private\r\n");
    for (int i = 0; i < hostile.length; i += 2) {
      head.append(hostile[i]).append(": ").append(hostile[i + 1]).append("\r\n");
    }
    for (String model : List.of("secure:v1", "secure:v2")) {
      byte[] body = chat(model).getBytes(StandardCharsets.UTF_8);
      Raw answer = RawHttp.exchange(harness.gateway.port(), ascii(head + "Content-Length: " + body.length + "\r\n\r\n" + chat(model)));
      assertThat(answer.status()).isEqualTo(200);
    }

    RecordedRequest toKeyed = seenByKeyed.get(0);
    RecordedRequest toPlain = seenByPlain.get(0);
    for (RecordedRequest forwarded : List.of(toKeyed, toPlain)) {
      assertThat(forwarded.headers().keySet()).noneMatch(name -> name.startsWith("x-modelgate-"))
          .doesNotContain("cookie", "proxy-authorization", "x-private", "x-also-private");
      assertThat(forwarded.headers().get("x-kept")).containsExactly("kept");
    }
    assertThat(toKeyed.headers().get("authorization")).containsExactly("Bearer " + BACKEND_KEY);
    assertThat(toPlain.headers()).doesNotContainKey("authorization");
  }

  @Test
  void neverShowsTheBackendKeyInLogsMetricsAdminAnswersOrErrors() throws Exception {
    List<String> seen = new ArrayList<>();
    seen.add(harness.post("/v1/chat/completions", chat("secure"), "x-request-id", "sec-ok").body());
    seen.add(harness.post("/v1/chat/completions", chat("secure:v3"), "x-request-id", "sec-502").body());
    seen.add(harness.post("/v1/chat/completions", chat("secure:nope")).body());
    seen.add(harness.post("/v1/chat/completions", "{\"model\":").body());
    seen.add(harness.post("/v1/chat/completions", chat("secure:v1"), "authorization", "Bearer " + BACKEND_KEY).body());
    seen.add(harness.get(harness.uri("/v1/models")).body());
    seen.add(harness.get(harness.adminUri("/metrics")).body());
    for (String path : List.of("/admin/v1/models", "/admin/v1/models/secure", "/admin/v1/models/secure/aliases/production", "/admin/v1/audit")) {
      HttpResponse<String> response = harness.http.send(HttpRequest.newBuilder(harness.adminUri(path)).timeout(GatewayHarness.WAIT)
          .header("authorization", "Bearer " + ADMIN_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      seen.add(response.body());
    }
    seen.add(awaitAccessLogWith("sec-502"));

    assertThat(seen).noneMatch(text -> text.contains(BACKEND_KEY));
    assertThat(seen.get(1)).contains("upstream_failed");
    assertThat(seen.get(seen.size() - 1)).contains("sec-ok");
  }

  @Test
  void refusesAnAdminTokenPassedInTheUrl() throws Exception {
    for (String query : List.of("?token=" + ADMIN_TOKEN, "?access_token=" + ADMIN_TOKEN, "?authorization=Bearer%20" + ADMIN_TOKEN)) {
      assertThat(harness.get(harness.adminUri("/admin/v1/models" + query)).statusCode()).as(query).isEqualTo(401);
    }
  }

  @Test
  void letsNothingInTheRequestChooseWhereItIsSent() throws Exception {
    seenByKeyed.clear();
    seenByDecoy.clear();
    String elsewhere = "127.0.0.1:" + decoy.port();
    for (String model : List.of("http://" + elsewhere + "/v1", "//" + elsewhere, "secure@" + elsewhere, elsewhere, "secure:v1/../" + elsewhere)) {
      assertThat(harness.post("/v1/chat/completions", chat(model)).statusCode()).as(model).isEqualTo(404);
    }
    byte[] body = chat("secure").getBytes(StandardCharsets.UTF_8);
    String rest = "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n" + chat("secure");
    List<String> requests = List.of(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: " + elsewhere + "\r\n" + rest,
        "POST http://" + elsewhere + "/v1/chat/completions HTTP/1.1\r\nHost: " + elsewhere + "\r\n" + rest,
        "POST /v1/chat/completions?next=http://" + elsewhere + "/&host=" + elsewhere + " HTTP/1.1\r\nHost: gateway\r\nX-Forwarded-Host: "
            + elsewhere + "\r\nForwarded: host=" + elsewhere + "\r\n" + rest,
        "POST /v1/chat/completions/../../../" + elsewhere + " HTTP/1.1\r\nHost: gateway\r\n" + rest);
    int routed = 0;
    for (String request : requests) {
      Raw answer = RawHttp.exchange(harness.gateway.port(), ascii(request));
      assertThat(answer).isNotNull();
      if (answer.status() == 200) {
        routed++;
        assertThat(answer.headers().get("x-modelgate-version")).isEqualTo("v1");
      } else {
        assertThat(answer.status()).as(request).isBetween(400, 499);
      }
    }

    assertThat(seenByDecoy).isEmpty();
    assertThat(seenByKeyed).hasSize(routed).allSatisfy(r -> assertThat(r.path()).isEqualTo("/v1/chat/completions"));
    assertThat(routed).isGreaterThanOrEqualTo(3);
  }

  private static String awaitAccessLogWith(String requestId) throws Exception {
    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(accessLog)) {
        String log = Files.readString(accessLog);
        if (log.contains("\"" + requestId + "\"")) {
          return log;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no access log record for " + requestId);
  }
}
