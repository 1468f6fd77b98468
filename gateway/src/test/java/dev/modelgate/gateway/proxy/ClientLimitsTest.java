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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What one client may cost the gateway (server.client_idle_timeout, request_read_timeout,
 * max_header_bytes, max_headers, max_url_bytes), on both listeners, over raw sockets.
 */
class ClientLimitsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long IDLE_MILLIS = 600;
  private static final long READ_MILLIS = 600;
  private static final GatewayHarness harness = new GatewayHarness();
  private static final String ADMIN_TOKEN = "limits-admin-token";

  @BeforeAll
  static void start() throws Exception {
    Simulator fast = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2));
    // Slower than the idle timeout: a connection waiting for its answer is busy, not idle.
    Simulator slow = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(3 * IDLE_MILLIS)).withTokens(2));
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, upstream_timeout: 10s,
                 client_idle_timeout: %dms, request_read_timeout: %dms, max_header_bytes: 2048, max_headers: 20, max_url_bytes: 1024}
        access_log: "off"
        auth: {admin_tokens: [{token_env: ADMIN_TOKEN, role: admin}]}
        models:
          fast:
            versions:
              v1: {artifact: "s3://m/fast", served_model: fast, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          slow:
            versions:
              v1: {artifact: "s3://m/slow", served_model: slow, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(IDLE_MILLIS, READ_MILLIS, url(fast), url(slow)), Map.of("ADMIN_TOKEN", ADMIN_TOKEN));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  private static int port() {
    return harness.gateway.port();
  }

  private static int adminPort() {
    return harness.gateway.adminPort();
  }

  private static byte[] post(String model) {
    byte[] body = chat(model).getBytes(StandardCharsets.UTF_8);
    byte[] head = ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length + "\r\n\r\n");
    byte[] out = new byte[head.length + body.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(body, 0, out, head.length, body.length);
    return out;
  }

  private static JsonNode error(Raw answer) throws IOException {
    assertThat(answer.headers().get("content-type")).isEqualTo("application/json");
    return JSON.readTree(answer.body()).path("error");
  }

  /** Waits, for at most {@code bound}, for the gateway to close {@code socket}; returns how long that took. */
  private static long millisUntilClosed(Socket socket, Duration bound) throws IOException {
    long start = System.nanoTime();
    socket.setSoTimeout((int) bound.toMillis());
    try {
      InputStream in = socket.getInputStream();
      while (in.read() >= 0) {
        // Drain whatever is left of an answer; the end of the stream is what counts.
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection was still open after " + bound);
    } catch (IOException reset) {
      // A reset is a close too.
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void closesAKeepAliveConnectionThatStaysIdleButNotBeforeTheTimeout() throws Exception {
    try (Socket socket = RawHttp.connect(port())) {
      socket.getOutputStream().write(post("fast"));
      assertThat(RawHttp.readResponse(socket.getInputStream()).status()).isEqualTo(200);

      long closedAfter = millisUntilClosed(socket, Duration.ofSeconds(5));

      assertThat(closedAfter).isBetween(IDLE_MILLIS - 100, 2 * IDLE_MILLIS + 500);
    }
  }

  @Test
  void closesAConnectionThatTricklesItsHeadersAByteAtATime() throws Exception {
    try (Socket socket = RawHttp.connect(port())) {
      OutputStream out = socket.getOutputStream();
      out.write(ascii("POST /v1/chat/completions HTTP/1.1\r\n"));
      socket.setSoTimeout(50);
      long start = System.nanoTime();
      boolean closed = false;
      // Bounded: 200 bytes at one per 50 ms is 10 s, far past the idle timeout.
      for (int i = 0; i < 200 && !closed; i++) {
        try {
          out.write('x');
          out.flush();
          closed = socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
          // The read doubles as the pause between bytes.
        } catch (IOException reset) {
          closed = true;
        }
      }
      long elapsed = (System.nanoTime() - start) / 1_000_000;

      assertThat(closed).as("the gateway closed the connection").isTrue();
      assertThat(elapsed).isLessThan(2 * IDLE_MILLIS + 1000);
    }
    assertThat(harness.post("/v1/chat/completions", chat("fast")).statusCode()).isEqualTo(200);
  }

  @Test
  void answers408AndClosesWhenTheBodyFallsShortOfItsContentLength() throws Exception {
    try (Socket socket = RawHttp.connect(port())) {
      socket.getOutputStream().write(ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\n\r\n{\"model\":"));
      long start = System.nanoTime();
      Raw answer = RawHttp.readResponse(socket.getInputStream());
      long elapsed = (System.nanoTime() - start) / 1_000_000;

      assertThat(answer.status()).isEqualTo(408);
      assertThat(error(answer).path("code").asText()).isEqualTo("request_timeout");
      assertThat(answer.headers().get("x-request-id")).isNotBlank();
      assertThat(elapsed).isBetween(READ_MILLIS - 100, READ_MILLIS + 2000);
      millisUntilClosed(socket, Duration.ofSeconds(2));
    }
  }

  @Test
  void answers408ToABodyTrickledAByteAtATime() throws Exception {
    byte[] body = chat("fast").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = RawHttp.connect(port())) {
      OutputStream out = socket.getOutputStream();
      out.write(ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n"));
      PushbackInputStream in = new PushbackInputStream(socket.getInputStream());
      socket.setSoTimeout(50);
      Raw answer = null;
      for (int i = 0; i < body.length && answer == null; i++) {
        out.write(body[i]);
        out.flush();
        try {
          int first = in.read();
          assertThat(first).as("an answer, not a bare close").isNotNegative();
          in.unread(first);
          socket.setSoTimeout((int) GatewayHarness.WAIT.toMillis());
          answer = RawHttp.readResponse(in);
        } catch (SocketTimeoutException nothingYet) {
          // The read doubles as the pause between bytes.
        }
      }

      assertThat(answer).as("an answer before the whole request was sent").isNotNull();
      assertThat(answer.status()).isEqualTo(408);
    }
  }

  @Test
  void keepsAConnectionWhoseAnswerTakesLongerThanTheIdleTimeout() throws Exception {
    try (Socket socket = RawHttp.connect(port())) {
      socket.getOutputStream().write(post("slow"));
      Raw answer = RawHttp.readResponse(socket.getInputStream());

      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.headers().get("x-modelgate-version")).isEqualTo("v1");
    }
  }

  @Test
  void answersAnOverlongUrlWith414AndOversizedOrTooManyHeadersWith431OnBothPorts() throws Exception {
    for (int listener : List.of(port(), adminPort())) {
      Raw longUrl = RawHttp.exchange(listener, ascii("GET /v1/models?" + "a".repeat(1100) + " HTTP/1.1\r\nHost: gateway\r\n\r\n"));
      Raw bigHeader = RawHttp.exchange(listener, ascii("GET /v1/models HTTP/1.1\r\nHost: gateway\r\nX-Big: " + "a".repeat(2100) + "\r\n\r\n"));
      Raw manyHeaders = RawHttp.exchange(listener, ascii("GET /v1/models HTTP/1.1\r\nHost: gateway\r\n" + "X-Same: 1\r\n".repeat(21) + "\r\n"));

      assertThat(longUrl.status()).isEqualTo(414);
      assertThat(error(longUrl).path("code").asText()).isEqualTo("url_too_long");
      assertThat(bigHeader.status()).isEqualTo(431);
      assertThat(error(bigHeader).path("code").asText()).isEqualTo("headers_too_large");
      assertThat(manyHeaders.status()).isEqualTo(431);
      assertThat(error(manyHeaders).path("message").asText()).contains("20 header lines");
    }
    Raw justEnough = RawHttp.exchange(port(), ascii("GET /v1/models HTTP/1.1\r\nHost: gateway\r\n" + "X-Same: 1\r\n".repeat(19) + "\r\n"));
    assertThat(justEnough.status()).isEqualTo(200);
  }

  @Test
  void answersTheAdminApiA408WhenItsBodyNeverArrives() throws Exception {
    try (Socket socket = RawHttp.connect(adminPort())) {
      socket.getOutputStream().write(ascii("POST /admin/v1/models/fast/aliases/production/rollback HTTP/1.1\r\nHost: admin\r\n"
          + "Authorization: Bearer " + ADMIN_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"reason\""));
      Raw answer = RawHttp.readResponse(socket.getInputStream());

      assertThat(answer.status()).isEqualTo(408);
      assertThat(error(answer).path("code").asText()).isEqualTo("request_timeout");
      millisUntilClosed(socket, Duration.ofSeconds(2));
    }
    HttpResponse<String> healthy = harness.get(harness.adminUri("/healthz"));
    assertThat(healthy.statusCode()).isEqualTo(200);
  }

  @Test
  void refusesAChunkedAdminBodyWith413AsSoonAsItPassesTheLimit() throws Exception {
    try (Socket socket = RawHttp.connect(adminPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(ascii("POST /admin/v1/models/fast/aliases/production/rollback HTTP/1.1\r\nHost: admin\r\n"
          + "Authorization: Bearer " + ADMIN_TOKEN + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) ' ');
      // 1 MiB is the limit; no end chunk follows, so only the limit can answer.
      try {
        for (int i = 0; i < 20; i++) {
          out.write(ascii(Integer.toHexString(chunk.length) + "\r\n"));
          out.write(chunk);
          out.write(ascii("\r\n"));
        }
        out.flush();
      } catch (IOException closedWhileSending) {
        // The gateway may answer and close before reading everything; the answer is still there.
      }
      Raw answer = RawHttp.readResponse(socket.getInputStream());

      assertThat(answer.status()).isEqualTo(413);
      assertThat(error(answer).path("code").asText()).isEqualTo("request_too_large");
    }
    HttpResponse<String> healthy = harness.get(harness.adminUri("/healthz"));
    assertThat(healthy.statusCode()).isEqualTo(200);
  }
}
