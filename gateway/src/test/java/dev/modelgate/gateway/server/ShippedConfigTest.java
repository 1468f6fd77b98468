package dev.modelgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped {@code config/gateway.yaml} is the Docker image's default command: {@code serve} must
 * start on it as it is, in a process with no environment variable at all. Only its two ports are
 * moved to free ones, so the test never needs 8080 and 8081.
 */
class ShippedConfigTest {
  private static final Path SHIPPED = Path.of("..", "config", "gateway.yaml");
  private static final Duration READY_WITHIN = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;

  @AfterEach
  void killLeftover() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String replaceOnce(String text, String from, String to) {
    assertThat(text).as("the shipped config still sets %s", from).containsOnlyOnce(from);
    return text.replace(from, to);
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheShippedConfigWithAnEmptyEnvironment() throws Exception {
    int port = freePort();
    int adminPort = freePort();
    String yaml = Files.readString(SHIPPED);
    yaml = replaceOnce(yaml, "  port: 8080 ", "  port: " + port + " ");
    yaml = replaceOnce(yaml, "  admin_port: 8081 ", "  admin_port: " + adminPort + " ");
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, yaml);
    Path log = dir.resolve("serve.log");

    ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--config", config.toString()))
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().clear();
    process = builder.start();

    int ready = 0;
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline && process.isAlive() && ready != 200) {
      try {
        ready = get(adminPort, "/readyz").statusCode();
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    assertThat(ready).as("ready; log: %s", Files.readString(log)).isEqualTo(200);
    assertThat(get(port, "/v1/models").body()).contains("\"support-agent\"", "\"support-agent:production\"", "\"support-agent:v8\"");
    assertThat(Files.exists(dir.resolve("data").resolve("ledger.jsonl"))).as("the ledger under ./data").isTrue();

    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
    assertThat(process.exitValue()).as(Files.readString(log)).isZero();
  }
}
