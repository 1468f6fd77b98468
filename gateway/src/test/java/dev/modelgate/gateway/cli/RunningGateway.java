package dev.modelgate.gateway.cli;

import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway on ephemeral loopback ports for the command-line tests, started from YAML with a
 * fresh ledger and its own environment (admin tokens), plus simulated backends for its versions.
 */
final class RunningGateway implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  private Gateway gateway;

  /** A simulated OpenAI-compatible backend; its base URL, for a version's endpoints. */
  String backend() {
    Simulator sim = await(Simulator.start(vertx, SimOptions.defaults().withTtft(Duration.ofMillis(1)).withInterTokenLatency(Duration.ZERO).withTokens(2)));
    return "http://127.0.0.1:" + sim.port();
  }

  /** Starts the gateway from {@code yaml} (without a {@code state} section: each gateway gets its own ledger). */
  RunningGateway start(String yaml, Map<String, String> environment) throws Exception {
    String withState = yaml + "\nstate: {dir: \"" + Files.createTempDirectory("modelgate-ctl-state-") + "\"}\n";
    gateway = await(Gateway.start(vertx, ConfigLoader.parse(withState, "test.yaml"), environment::get));
    return this;
  }

  String adminUrl() {
    return "http://127.0.0.1:" + gateway.adminPort();
  }

  /** A chat completion through the data plane; its status. */
  int chat(String model) throws Exception {
    String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
        .timeout(WAIT).header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (gateway != null) {
      await(gateway.close());
    }
    await(vertx.close());
  }
}
