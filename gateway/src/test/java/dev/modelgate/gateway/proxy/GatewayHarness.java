package dev.modelgate.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import dev.modelgate.gateway.webhook.DeliveryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real gateway on ephemeral loopback ports, configured from YAML text exactly as a user would,
 * plus helpers to start simulated backends and to call the gateway over HTTP.
 */
public final class GatewayHarness implements AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  final Vertx vertx = Vertx.vertx();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
  Gateway gateway;

  /** The Vert.x instance the gateway and the simulators run on, for other fakes on loopback. */
  public Vertx vertx() {
    return vertx;
  }

  public Simulator sim(SimOptions options) {
    return await(Simulator.start(vertx, options));
  }

  /** Starts the gateway from YAML, as {@code modelgate serve} would, with the given environment. */
  public Gateway start(String yaml, Map<String, String> environment) throws Exception {
    return start(yaml, environment, DeliveryPolicy.DEFAULT);
  }

  /** Starts the gateway from YAML with its own webhook retries, so tests of them take milliseconds. */
  public Gateway start(String yaml, Map<String, String> environment, DeliveryPolicy webhookPolicy) throws Exception {
    // Each gateway gets a fresh ledger unless the test names one: state must not leak between tests.
    if (!yaml.startsWith("state:") && !yaml.contains("\nstate:")) {
      yaml = yaml + "\nstate: {dir: \"" + Files.createTempDirectory("modelgate-test-state-") + "\"}\n";
    }
    GatewayConfig config = ConfigLoader.parse(yaml, "test.yaml");
    Function<String, String> env = environment::get;
    gateway = await(Gateway.start(vertx, config, env, webhookPolicy));
    return gateway;
  }

  public Gateway start(String yaml) throws Exception {
    return start(yaml, Map.of());
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  public URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.adminPort() + path);
  }

  public HttpResponse<String> post(String path, String json, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(WAIT)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Calls the admin API with a bearer token ({@code null}: none) and a JSON body ({@code null}: none). */
  public HttpResponse<String> admin(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(adminUri(path)).timeout(WAIT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The client behind {@link #post}, for tests that read a response as it arrives. */
  public HttpClient http() {
    return http;
  }

  /**
   * The sum of every sample of a metric whose labels include the given ones, from {@code /metrics}
   * as Prometheus scrapes it; 0 when there is none.
   *
   * @param labels name, value, name, value, …
   */
  public double metric(String name, String... labels) throws Exception {
    String text = get(adminUri("/metrics")).body();
    double sum = 0;
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{")) {
        continue;
      }
      int close = line.lastIndexOf('}');
      String series = line.substring(name.length() + 1, close);
      boolean matches = true;
      for (int i = 0; i < labels.length && matches; i += 2) {
        matches = series.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
      }
      if (matches) {
        sum += Double.parseDouble(line.substring(close + 1).trim());
      }
    }
    return sum;
  }

  /** Polls {@link #metric} until it reads {@code expected}, or fails after {@link #WAIT}. */
  public void awaitMetric(double expected, String name, String... labels) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    double last;
    do {
      last = metric(name, labels);
      if (last == expected) {
        return;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(name + " " + String.join(",", labels) + " stayed at " + last + ", expected " + expected);
  }

  /** Every record of a JSON-lines access log so far (none before the file exists). */
  public static List<JsonNode> logRecords(Path accessLog) throws IOException {
    List<JsonNode> records = new ArrayList<>();
    if (Files.exists(accessLog)) {
      for (String line : Files.readAllLines(accessLog)) {
        records.add(JSON.readTree(line));
      }
    }
    return records;
  }

  /** The access log record of one request, waiting for the background writer up to {@link #WAIT}. */
  public static JsonNode awaitLogRecord(Path accessLog, String requestId) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode record : logRecords(accessLog)) {
        if (record.path("request_id").asText().equals(requestId)) {
          return record;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no access log record for " + requestId);
  }

  public static String chat(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
  }

  /**
   * The admin API's test registry: viewer, operator and admin tokens from VIEWER_TOKEN,
   * OPERATOR_TOKEN and ADMIN_TOKEN, each named token:&lt;variable&gt;; support-agent (v7/v8 90/10 with an SLO) and
   * meta-llama/Llama-3.1-8B (v3) on {@code backend}. Ends inside {@code models:}, so a test appends
   * its own models.
   */
  public static String adminFixture(String backend) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        auth:
          admin_tokens:
            - {name: "token:VIEWER_TOKEN", token_env: VIEWER_TOKEN, role: viewer}
            - {name: "token:OPERATOR_TOKEN", token_env: OPERATOR_TOKEN, role: operator}
            - {name: "token:ADMIN_TOKEN", token_env: ADMIN_TOKEN, role: admin}
        models:
          support-agent:
            versions:
              v7: {artifact: "wandb-artifact://acme/llm/support-agent:v7", served_model: sa, endpoints: [%1$s]}
              v8: {artifact: "wandb-artifact://acme/llm/support-agent:v8", served_model: sa, endpoints: [%1$s]}
            aliases:
              production:
                weights: {v7: 90, v8: 10}
                stable: v7
                slo: {window: 60s, evaluation_interval: 5s, min_requests: 50, max_error_rate: 0.05, max_p99_latency: 2s}
          meta-llama/Llama-3.1-8B:
            versions:
              v3: {artifact: "hf://meta-llama/Llama-3.1-8B", served_model: llama, endpoints: [%1$s]}
            aliases:
              production: {weights: {v3: 100}, stable: v3}
        """.formatted(backend);
  }

  public static String url(Simulator sim) {
    return "http://127.0.0.1:" + sim.port();
  }

  public static <T> T await(Future<T> future) {
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
