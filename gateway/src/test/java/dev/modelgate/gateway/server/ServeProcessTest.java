package dev.modelgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code modelgate serve} as a real process: acknowledged changes survive {@code kill -9}, a torn
 * ledger line is reported and dropped, and an edit of the file applies only its difference.
 */
class ServeProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "process-test-admin-token";
  private static final Duration READY_WITHIN = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> started = new ArrayList<>();
  private int port;
  private int adminPort;

  @AfterEach
  void killLeftovers() {
    started.forEach(Process::destroyForcibly);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private Path writeConfig(String extraAliases) throws IOException {
    return writeConfig(extraAliases, "http://127.0.0.1:9");
  }

  private Path writeConfig(String extraAliases, String endpoint) throws IOException {
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, """
        server: {port: %1$d, admin_port: %2$d, host: 127.0.0.1, drain_timeout: 20s}
        state: {dir: "%3$s"}
        access_log: "off"
        auth:
          admin_tokens: [{token_env: MODELGATE_ADMIN_TOKEN, role: admin}]
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: ["%4$s"]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: ["%4$s"]}
            aliases:
              production: {weights: {v7: 90, v8: 10}, stable: v7}
        %5$s""".formatted(port, adminPort, dir.resolve("state"), endpoint, extraAliases));
    return file;
  }

  private Process launch(Path config, Path log, String... extraArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--config", config.toString()));
    command.addAll(List.of(extraArgs));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("MODELGATE_ADMIN_TOKEN", TOKEN);
    Process process = builder.start();
    started.add(process);
    return process;
  }

  private Process serve(Path config, Path log) throws Exception {
    Process process = launch(config, log);
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        if (http.send(HttpRequest.newBuilder(admin("/readyz")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return process;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(50);
    }
    throw new AssertionError("serve did not become ready: " + Files.readString(log));
  }

  private URI admin(String path) {
    return URI.create("http://127.0.0.1:" + adminPort + path);
  }

  private JsonNode production() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(admin("/admin/v1/models/support-agent/aliases/production"))
        .header("authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }

  private static void kill9(Process process) throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Test
  void keepsAcknowledgedChangesThroughKillMinus9ATornLineAndAnEdit() throws Exception {
    port = freePort();
    adminPort = freePort();
    Path config = writeConfig("");
    Process first = serve(config, dir.resolve("first.log"));
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(admin("/admin/v1/models/support-agent/aliases/production"))
        .header("authorization", "Bearer " + TOKEN)
        .PUT(HttpRequest.BodyPublishers.ofString("{\"weights\":{\"v7\":60,\"v8\":40},\"if_revision\":1}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    kill9(first);

    Process second = serve(config, dir.resolve("second.log"));
    assertThat(production().path("weights").path("v8").asInt()).isEqualTo(40);
    assertThat(production().path("revision").asLong()).isEqualTo(2);
    kill9(second);

    Files.writeString(dir.resolve("state").resolve("ledger.jsonl"), "{\"seq\":3,\"time\":\"2026-", StandardOpenOption.APPEND);
    Path thirdLog = dir.resolve("third.log");
    serve(config, thirdLog);
    assertThat(Files.readString(thirdLog)).contains("dropped an incomplete last line");
    assertThat(production().path("revision").asLong()).isEqualTo(2);

    writeConfig("      staging: {weights: {v8: 100}, stable: v8}\n");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int stagingStatus;
    do {
      Thread.sleep(100);
      stagingStatus = http.send(HttpRequest.newBuilder(admin("/admin/v1/models/support-agent/aliases/staging"))
          .header("authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } while (stagingStatus != 200 && System.nanoTime() < deadline);
    assertThat(stagingStatus).isEqualTo(200);
    assertThat(production().path("weights").path("v8").asInt()).isEqualTo(40);
  }

  @Test
  void exitAfterReadyStartsFullyThenStopsWithStatusZero() throws Exception {
    port = freePort();
    adminPort = freePort();
    Path log = dir.resolve("training.log");
    Process process = launch(writeConfig(""), log, "--exit-after-ready");
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited by itself").isTrue();
    assertThat(process.exitValue()).as(Files.readString(log)).isZero();
    assertThat(Files.readString(log)).contains("modelgate listening");
    assertThat(Files.readString(dir.resolve("state").resolve("ledger.jsonl"))).contains("\"action\":\"config\"");
  }

  @Test
  void aSigtermAsSoonAsTheDataPlaneAcceptsStillStopsCleanly() throws Exception {
    port = freePort();
    adminPort = freePort();
    Path log = dir.resolve("early.log");
    Process process = launch(writeConfig(""), log);
    // The port opens before the start returns: a supervisor's signal can come in between.
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    boolean accepting = false;
    while (!accepting && System.nanoTime() < deadline && process.isAlive()) {
      try (Socket probe = new Socket("127.0.0.1", port)) {
        accepting = true;
      } catch (IOException notYet) {
        Thread.sleep(1);
      }
    }
    assertThat(accepting).as("the data plane accepted a connection: " + Files.readString(log)).isTrue();
    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
    assertThat(process.exitValue()).as(Files.readString(log)).isZero();
  }

  @Test
  void finishesTwentyOpenStreamsOnSigtermAndExitsZero() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Simulator sim = Simulator.start(vertx,
          SimOptions.defaults().withTtft(Duration.ofMillis(50)).withInterTokenLatency(Duration.ofMillis(100)).withTokens(20))
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      port = freePort();
      adminPort = freePort();
      Process gateway = serve(writeConfig("", "http://127.0.0.1:" + sim.port()), dir.resolve("drain.log"));
      List<CompletableFuture<List<String>>> streams = new ArrayList<>();
      CountDownLatch allStarted = new CountDownLatch(20);
      for (int i = 0; i < 20; i++) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"support-agent\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build();
        streams.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenApply(response -> {
          List<String> events = new ArrayList<>();
          response.body().filter(line -> line.startsWith("data: ")).forEach(line -> {
            if (events.isEmpty()) {
              allStarted.countDown();
            }
            events.add(line);
          });
          return events;
        }));
      }
      assertThat(allStarted.await(20, TimeUnit.SECONDS)).as("all 20 streams started").isTrue();

      gateway.destroy();
      assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();

      assertThat(gateway.exitValue()).isZero();
      for (CompletableFuture<List<String>> stream : streams) {
        List<String> events = stream.get(5, TimeUnit.SECONDS);
        assertThat(events).hasSizeGreaterThanOrEqualTo(21).last().isEqualTo("data: [DONE]");
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }
}
