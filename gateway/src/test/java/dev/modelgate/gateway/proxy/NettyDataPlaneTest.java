package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static dev.modelgate.gateway.proxy.RawHttp.ascii;
import static dev.modelgate.gateway.proxy.RawHttp.closedByPeer;
import static dev.modelgate.gateway.proxy.RawHttp.readHead;
import static dev.modelgate.gateway.proxy.RawHttp.readWhole;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.fault.FaultyBackend;
import dev.modelgate.gateway.proxy.RawHttp.Raw;
import dev.modelgate.gateway.sim.RecordedRequest;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.Future;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Netty data plane on the wire: HTTP/1.0 and pipelining clients, request targets in absolute
 * form, backend connections kept alive (or not) as the backend says, close-delimited answers,
 * https backends, clients that leave while a backend connection is being opened, and the drain on
 * shutdown.
 */
class NettyDataPlaneTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TOKENS = 5;
  // Larger than one socket read, so the relay of a close-delimited answer spans several.
  private static final int CLOSE_DELIMITED_BYTES = 300_000;
  private static final GatewayHarness harness = new GatewayHarness();
  private static final List<RecordedRequest> seenBySim = new CopyOnWriteArrayList<>();
  private static final List<RawBackend> backends = new ArrayList<>();
  private static RawBackend keepsAlive;
  private static RawBackend closesEach;
  private static RawBackend closesIdle;
  private static RawBackend closeDelimited;
  private static RawBackend selfSigned;
  private static RawBackend interim;
  private static ServerSocket slowToAccept;

  @BeforeAll
  static void start() throws Exception {
    Simulator sim = harness.sim(SimOptions.defaults().withModel("backend").withTtft(Duration.ofMillis(1))
        .withInterTokenLatency(Duration.ofMillis(1)).withTokens(TOKENS));
    sim.onRequest(seenBySim::add);
    keepsAlive = backend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), Duration.ofMinutes(1), (nth, out) -> {
      whole(out, "");
      return true;
    });
    closesEach = backend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), Duration.ofMinutes(1), (nth, out) -> {
      whole(out, "connection: close\r\n");
      return false;
    });
    closesIdle = backend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), Duration.ofMillis(100), (nth, out) -> {
      whole(out, "");
      return true;
    });
    closeDelimited = backend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), Duration.ofMinutes(1), (nth, out) -> {
      out.write(ascii("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n"));
      out.flush();
      out.write(closeDelimitedBody());
      return false;
    });
    interim = backend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), Duration.ofMinutes(1), (nth, out) -> {
      out.write(ascii(nth % 2 == 1 ? "HTTP/1.1 103 Early Hints\r\nlink: </hint>; rel=preload\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n"));
      out.flush();
      whole(out, "");
      return true;
    });
    selfSigned = backend(selfSignedTlsServer(), Duration.ofMinutes(1), (nth, out) -> {
      whole(out, "");
      return true;
    });
    // Backlog 1 and two connections nobody accepts: the gateway's SYN is dropped until they are.
    slowToAccept = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, upstream_timeout: 5s, connect_timeout: 10s}
        access_log: "off"
        models:
          sim:
            versions:
              v1: {artifact: "s3://m/sim", served_model: sim-served, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        %s
        """.formatted(url(sim), String.join("\n", List.of(
        servedBy("kept", keepsAlive.url()),
        servedBy("closes", closesEach.url()),
        servedBy("idle-closes", closesIdle.url()),
        servedBy("eof", closeDelimited.url()),
        servedBy("interim", interim.url()),
        servedBy("tls", "https://127.0.0.1:" + selfSigned.server.getLocalPort()),
        servedBy("slow", "http://127.0.0.1:" + slowToAccept.getLocalPort())))));
  }

  private static String servedBy(String model, String endpoint) {
    return "  " + model + ":\n    versions:\n      v1: {artifact: \"s3://m/" + model + "\", served_model: " + model + ", endpoints: [\"" + endpoint
        + "\"]}\n    aliases:\n      production: {weights: {v1: 100}, stable: v1}";
  }

  @AfterAll
  static void stop() throws IOException {
    harness.close();
    for (RawBackend backend : backends) {
      backend.close();
    }
    slowToAccept.close();
  }

  // ---- clients ----

  @Test
  void streamsToAnHttp10ClientUntilTheCloseWithoutChunks() throws Exception {
    for (String connection : List.of("", "Connection: keep-alive\r\n")) {
      try (Socket socket = connect()) {
        send(socket, "HTTP/1.0", connection, streamChat("sim"));
        Raw answer = readWhole(socket.getInputStream());

        assertThat(answer.status()).as(connection).isEqualTo(200);
        assertThat(answer.headers()).as(connection).doesNotContainKeys("transfer-encoding", "content-length");
        assertThat(answer.headers().get("connection")).as(connection).isEqualToIgnoringCase("close");
        assertThat(answer.body()).as(connection).doesNotContain("\r\n0\r\n").endsWith("data: [DONE]\n\n");
        assertThat(answer.body().split("\n\n")).as(connection).hasSize(TOKENS + 2);
      }
    }
  }

  @Test
  void keepsAnHttp10ConnectionAliveOnlyWhenAskedTo() throws Exception {
    try (Socket socket = connect()) {
      for (int i = 0; i < 2; i++) {
        send(socket, "HTTP/1.0", "Connection: keep-alive\r\n", chat("sim"));
        Raw answer = readWhole(socket.getInputStream());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.headers().get("connection")).isEqualToIgnoringCase("keep-alive");
        assertThat(JSON.readTree(answer.body()).path("choices").path(0).path("message").path("content").asText()).isNotEmpty();
      }
      send(socket, "HTTP/1.0", "", chat("sim"));
      Raw last = readWhole(socket.getInputStream());

      assertThat(last.status()).isEqualTo(200);
      assertThat(last.headers().get("connection")).isEqualToIgnoringCase("close");
      assertThat(closedByPeer(socket)).isTrue();
    }
  }

  @Test
  void answersPipelinedRequestsInOrder() throws Exception {
    try (Socket socket = connect()) {
      // A slow answer, two the gateway answers itself at once, a stream and a refusal, in one write.
      String[] ids = {"p-chat", "p-models-1", "p-models-2", "p-stream", "p-unknown"};
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.write(request("POST /v1/chat/completions", "HTTP/1.1", "x-request-id: p-chat\r\n", chat("sim")));
      all.write(ascii("GET /v1/models HTTP/1.1\r\nHost: gateway\r\nx-request-id: p-models-1\r\n\r\n"));
      all.write(ascii("GET /v1/models HTTP/1.1\r\nHost: gateway\r\nx-request-id: p-models-2\r\n\r\n"));
      all.write(request("POST /v1/chat/completions", "HTTP/1.1", "x-request-id: p-stream\r\n", streamChat("sim")));
      all.write(request("POST /v1/chat/completions", "HTTP/1.1", "x-request-id: p-unknown\r\n", chat("no-such-model")));
      socket.getOutputStream().write(all.toByteArray());
      socket.getOutputStream().flush();

      List<Raw> answers = new ArrayList<>();
      for (int i = 0; i < ids.length; i++) {
        answers.add(readWhole(socket.getInputStream()));
      }

      assertThat(answers).extracting(a -> a.headers().get("x-request-id")).containsExactly(ids);
      assertThat(answers).extracting(Raw::status).containsExactly(200, 200, 200, 200, 404);
      assertThat(answers.get(0).body()).contains("chat.completion");
      assertThat(answers.get(1).body()).isEqualTo(answers.get(2).body()).contains("\"sim\"");
      assertThat(answers.get(3).body()).endsWith("data: [DONE]\n\n");
      assertThat(answers.get(4).body()).contains("model_not_found");
    }
  }

  @Test
  void keepsAliveOnlyAConnectionWhoseExpectedBodyItAskedFor() throws Exception {
    try (Socket socket = connect()) {
      byte[] body = chat("sim").getBytes(StandardCharsets.UTF_8);
      socket.getOutputStream().write(ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
          + "Expect: 100-continue\r\nContent-Length: " + body.length + "\r\n\r\n"));
      assertThat(readWhole(socket.getInputStream()).status()).isEqualTo(100);
      socket.getOutputStream().write(body);
      Raw asked = readWhole(socket.getInputStream());

      assertThat(asked.status()).isEqualTo(200);
      assertThat(asked.headers()).doesNotContainKey("connection");
      send(socket, "HTTP/1.1", "", chat("sim"));
      assertThat(readWhole(socket.getInputStream()).status()).isEqualTo(200);
    }
    try (Socket socket = connect()) {
      socket.getOutputStream().write(ascii("POST /v1/nowhere HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
          + "Expect: 100-continue\r\nContent-Length: 40\r\n\r\n"));
      Raw refused = readWhole(socket.getInputStream());

      assertThat(refused.status()).isEqualTo(404);
      // The client may send the body after all or not: the gateway cannot tell what comes next.
      assertThat(refused.headers().get("connection")).isEqualToIgnoringCase("close");
      assertThat(closedByPeer(socket)).isTrue();
    }
  }

  @Test
  void routesAnAbsoluteFormTargetByItsPathAlone() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "POST http://unreachable.invalid:81/v1/chat/completions?probe=abs", "HTTP/1.1", "x-request-id: absolute\r\n", chat("sim"));
      Raw answer = readWhole(socket.getInputStream());

      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.headers().get("x-modelgate-version")).isEqualTo("v1");
    }
    RecordedRequest seen = seenBySim.stream().filter(r -> r.headers().getOrDefault("x-request-id", List.of()).contains("absolute"))
        .findFirst().orElseThrow();
    assertThat(seen.path()).isEqualTo("/v1/chat/completions");
    assertThat(seen.headers().get("host")).singleElement().asString().startsWith("127.0.0.1:");
    assertThat(seen.body()).contains("sim-served");
  }

  // ---- backend connections ----

  @Test
  void sendsSequentialRequestsOverOneBackendConnection() throws Exception {
    try (Socket socket = connect()) {
      for (int i = 0; i < 5; i++) {
        send(socket, "HTTP/1.1", "", chat("kept"));
        assertThat(readWhole(socket.getInputStream()).status()).isEqualTo(200);
      }
    }
    assertThat(keepsAlive.requests.get()).isEqualTo(5);
    assertThat(keepsAlive.accepted.get()).isEqualTo(1);
  }

  @Test
  void opensANewBackendConnectionAfterOneTheBackendClosed() throws Exception {
    try (Socket socket = connect()) {
      for (int i = 0; i < 3; i++) {
        send(socket, "HTTP/1.1", "", chat("closes"));
        Raw answer = readWhole(socket.getInputStream());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.headers().get("connection")).as("the client's connection is not the backend's").isNull();
      }
    }
    assertThat(closesEach.accepted.get()).isEqualTo(3);
  }

  @Test
  void replacesAnIdleBackendConnectionTheBackendClosed() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "HTTP/1.1", "", chat("idle-closes"));
      assertThat(readWhole(socket.getInputStream()).status()).isEqualTo(200);
      awaitTrue(() -> closesIdle.closed.get() == 1, "the backend closes its idle connection");

      send(socket, "HTTP/1.1", "", chat("idle-closes"));
      assertThat(readWhole(socket.getInputStream()).status()).isEqualTo(200);
    }
    assertThat(closesIdle.accepted.get()).isEqualTo(2);
  }

  @Test
  void relaysACloseDelimitedAnswerWhole() throws Exception {
    for (String version : List.of("HTTP/1.1", "HTTP/1.0")) {
      try (Socket socket = connect()) {
        send(socket, version, "", chat("eof"));
        Raw answer = readWhole(socket.getInputStream());

        assertThat(answer.status()).as(version).isEqualTo(200);
        assertThat(answer.headers().get("transfer-encoding")).as(version).isEqualTo(version.equals("HTTP/1.1") ? "chunked" : null);
        assertThat(answer.body().getBytes(StandardCharsets.UTF_8)).as(version).isEqualTo(closeDelimitedBody());
      }
    }
  }

  @Test
  void relaysTheFinalAnswerOfABackendThatSendsAnInterimOneFirst() throws Exception {
    try (Socket socket = connect()) {
      for (int i = 0; i < 2; i++) {
        send(socket, "HTTP/1.1", "", chat("interim"));
        Raw answer = readWhole(socket.getInputStream());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("\"content\":\"raw\"");
      }
    }
    assertThat(interim.accepted.get()).as("the connection stays usable").isEqualTo(1);
  }

  @Test
  void answersHeadWithoutABody() throws Exception {
    try (Socket socket = connect()) {
      socket.getOutputStream().write(ascii("HEAD /v1/models HTTP/1.1\r\nHost: gateway\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: gateway\r\n\r\n"));
      String head = readHead(socket.getInputStream());
      Raw next = readWhole(socket.getInputStream());

      assertThat(head).startsWith("HTTP/1.1 405");
      assertThat(next.status()).as("the HEAD answer carried no body to misread").isEqualTo(200);
    }
  }

  @Test
  void refusesAnHttpsBackendWhoseCertificateNobodySigned() throws Exception {
    var answer = harness.post("/v1/chat/completions", chat("tls"));

    assertThat(answer.statusCode()).isEqualTo(502);
    assertThat(JSON.readTree(answer.body()).path("error").path("code").asText()).isEqualTo("upstream_failed");
    assertThat(selfSigned.requests.get()).as("nothing sent over an unverified connection").isZero();
    assertThat(harness.post("/v1/chat/completions", chat("sim")).statusCode()).isEqualTo(200);
  }

  @Test
  void dropsTheBackendConnectionOfAClientThatLeftWhileItWasOpening() throws Exception {
    List<Socket> queued = List.of(new Socket("127.0.0.1", slowToAccept.getLocalPort()), new Socket("127.0.0.1", slowToAccept.getLocalPort()));
    try (Socket client = connect()) {
      send(client, "HTTP/1.1", "", chat("slow"));
      // The 499 is logged once the gateway has seen the hang-up; the connect is still pending then.
      double cancelled = harness.metric("modelgate_requests_total", "model", "slow", "outcome", "cancelled");
      client.close();
      harness.awaitMetric(cancelled + 1, "modelgate_requests_total", "model", "slow", "outcome", "cancelled");
    }
    for (Socket socket : queued) {
      slowToAccept.accept().close();
      socket.close();
    }
    // The kernel retries the dropped SYN about a second later; that connection must carry nothing.
    slowToAccept.setSoTimeout((int) GatewayHarness.WAIT.toMillis());
    try (Socket fromGateway = slowToAccept.accept()) {
      fromGateway.setSoTimeout((int) GatewayHarness.WAIT.toMillis());
      assertThat(fromGateway.getInputStream().read()).as("the gateway closes it unused").isEqualTo(-1);
    }
    assertThat(harness.post("/v1/chat/completions", chat("sim")).statusCode()).isEqualTo(200);
  }

  // ---- shutdown ----

  @Test
  void drainsAStreamInFlightClosesIdleConnectionsAndRefusesNewOnes() throws Exception {
    GatewayHarness draining = new GatewayHarness();
    try {
      Simulator slow = draining.sim(SimOptions.defaults().withModel("backend").withTtft(Duration.ofMillis(1))
          .withInterTokenLatency(Duration.ofMillis(40)).withTokens(20));
      CountDownLatch wholeAsked = new CountDownLatch(1);
      slow.onRequest(request -> {
        if (!request.body().contains("\"stream\":true")) {
          wholeAsked.countDown();
        }
      });
      draining.start("""
          server: {port: 0, admin_port: 0, host: 127.0.0.1, admin_host: 127.0.0.1, drain_timeout: 10s}
          access_log: "off"
          models:
            sim:
              versions:
                v1: {artifact: "s3://m/sim", served_model: sim-served, endpoints: [%s]}
          """.formatted(url(slow)));
      int port = draining.gateway.port();
      try (Socket idle = RawHttp.connect(port); Socket streaming = RawHttp.connect(port); Socket waiting = RawHttp.connect(port)) {
        idle.getOutputStream().write(ascii("GET /v1/models HTTP/1.1\r\nHost: gateway\r\n\r\n"));
        assertThat(readWhole(idle.getInputStream()).status()).isEqualTo(200);
        send(streaming, "HTTP/1.1", "", streamChat("sim:v1"));
        assertThat(readHead(streaming.getInputStream())).startsWith("HTTP/1.1 200");
        // A whole answer comes after the last token, long after the shutdown began.
        send(waiting, "HTTP/1.1", "", chat("sim:v1"));
        assertThat(wholeAsked.await(GatewayHarness.WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        Future<Void> closed = draining.gateway.close();
        draining.gateway = null;

        assertThat(closedByPeer(idle)).as("the idle connection is closed at once").isTrue();
        assertThat(closed.isComplete()).as("the stream holds the shutdown").isFalse();
        assertThat(RawHttp.refusesConnections(port)).as("a new connection is refused").isTrue();
        Raw whole = readWhole(waiting.getInputStream());
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.headers().get("connection")).as("a client must not reuse a connection about to close").isEqualToIgnoringCase("close");
        assertThat(closedByPeer(waiting)).isTrue();
        // The relay forwards chunks as the backend's reads cut them, so the events are checked on the joined body.
        assertThat(RawHttp.readChunkedBody(streaming.getInputStream())).as("the stream runs to its end").contains("data: [DONE]");
        assertThat(closedByPeer(streaming)).as("then its connection closes").isTrue();
        GatewayHarness.await(closed);
      }
    } finally {
      draining.close();
    }
  }

  // ---- helpers ----

  private static Socket connect() throws IOException {
    return RawHttp.connect(harness.gateway.port());
  }

  private static String streamChat(String model) {
    return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  private static void send(Socket socket, String version, String headers, String json) throws IOException {
    send(socket, "POST /v1/chat/completions", version, headers, json);
  }

  private static void send(Socket socket, String requestLine, String version, String headers, String json) throws IOException {
    socket.getOutputStream().write(request(requestLine, version, headers, json));
    socket.getOutputStream().flush();
  }

  private static byte[] request(String requestLine, String version, String headers, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head = requestLine + " " + version + "\r\nHost: gateway\r\nContent-Type: application/json\r\n" + headers
        + "Content-Length: " + body.length + "\r\n\r\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ascii(head));
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(5);
    }
  }

  private static void whole(OutputStream out, String headers) throws IOException {
    byte[] body = "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"raw\"}}]}"
        .getBytes(StandardCharsets.UTF_8);
    out.write(ascii("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" + headers + "content-length: " + body.length + "\r\n\r\n"));
    out.write(body);
    out.flush();
  }

  private static byte[] closeDelimitedBody() {
    StringBuilder text = new StringBuilder("{\"object\":\"chat.completion\",\"filler\":\"");
    for (int i = 0; text.length() < CLOSE_DELIMITED_BYTES - 2; i++) {
      text.append((char) ('a' + i % 26));
    }
    return text.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
  }

  // A key pair and self-signed certificate for 127.0.0.1 from the JDK's keytool: no API makes one.
  private static ServerSocket selfSignedTlsServer() throws Exception {
    Path store = Files.createTempDirectory("modelgate-tls-").resolve("backend.p12");
    char[] password = "changeit".toCharArray();
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-alias", "backend", "-keyalg", "EC",
        "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2").redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(20, TimeUnit.SECONDS) && keytool.exitValue() == 0).as("keytool: " + output).isTrue();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, password);
    }
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, password);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keyManagers.getKeyManagers(), null, null);
    return tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  private static RawBackend backend(ServerSocket server, Duration keepAlive, RawBackend.Script script) {
    RawBackend backend = new RawBackend(server, keepAlive, script);
    backends.add(backend);
    return backend;
  }

  /**
   * A backend on a plain (or TLS) loopback socket, one thread per connection, that counts the
   * connections it accepts and closes and the requests it reads; a script writes each answer.
   */
  static final class RawBackend implements AutoCloseable {
    /** Writes the answer to a connection's {@code nth} request (from 1); false: then close the connection. */
    interface Script {
      boolean answer(int nth, OutputStream out) throws IOException;
    }

    final ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    private final Duration keepAlive;
    private final Script script;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    RawBackend(ServerSocket server, Duration keepAlive, Script script) {
      this.server = server;
      this.keepAlive = keepAlive;
      this.script = script;
      Thread acceptor = new Thread(this::acceptLoop, "raw-backend");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          accepted.incrementAndGet();
          open.add(socket);
          Thread serving = new Thread(() -> serve(socket), "raw-backend-connection");
          serving.setDaemon(true);
          serving.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket socket) {
      try (socket) {
        // A connection left idle for keepAlive is closed, as a backend's keep-alive timeout does.
        socket.setSoTimeout((int) keepAlive.toMillis());
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        for (int nth = 1; readRequest(in); nth++) {
          requests.incrementAndGet();
          if (!script.answer(nth, out)) {
            return;
          }
        }
      } catch (IOException e) {
        // Idle too long, or the gateway went away (a TLS handshake it refused, say).
      } finally {
        open.remove(socket);
        closed.incrementAndGet();
      }
    }

    // One request head and its content-length body; false at the end of the connection.
    private static boolean readRequest(InputStream in) {
      try {
        return FaultyBackend.read(in) != null;
      } catch (IOException idleOrClosed) {
        return false;
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : open) {
        socket.close();
      }
    }
  }
}
