package dev.modelgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real {@code modelgate serve} processes started with one config file (in {@code dir}), and what
 * tests of a fleet ask them: each replica's admin API, its data plane's routing, its log.
 */
final class Fleet implements AutoCloseable {
  static final String TOKEN = "fleet-test-admin-token";
  static final Duration READY_WITHIN = Duration.ofSeconds(60);
  /** Generous: the goal is 1 s at p99; this only catches a replica that stopped following. */
  static final Duration PROPAGATES_WITHIN = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("modelgate listening: data plane 127\\.0\\.0\\.1:(\\d+), admin 127\\.0\\.0\\.1:(\\d+)");

  record Replica(String name, Process process, Path log, int port, int adminPort) {}

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<Replica> replicas = new ArrayList<>();
  final Path dir;
  final Path config;
  private final Map<String, String> environment;

  /** @param environment set for every replica besides the admin token (e.g. secrets the config names) */
  Fleet(Path dir, Map<String, String> environment) {
    this.dir = dir;
    this.config = dir.resolve("gateway.yaml");
    this.environment = Map.copyOf(environment);
  }

  /** Launches one replica per name together, then waits for each to be ready. */
  void start(List<String> names) throws Exception {
    List<Process> processes = new ArrayList<>();
    for (String name : names) {
      processes.add(launch(name));
    }
    for (int i = 0; i < processes.size(); i++) {
      replicas.add(awaitReady(names.get(i), processes.get(i)));
    }
  }

  private Process launch(String name) throws IOException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--config", config.toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().put("MODELGATE_ADMIN_TOKEN", TOKEN);
    builder.environment().putAll(environment);
    return builder.start();
  }

  private Replica awaitReady(String name, Process process) throws Exception {
    Path log = dir.resolve(name + ".log");
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      Matcher listening = LISTENING.matcher(Files.readString(log));
      if (listening.find()) {
        Replica replica = new Replica(name, process, log, Integer.parseInt(listening.group(1)), Integer.parseInt(listening.group(2)));
        if (http.send(get(replica, "/readyz"), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return replica;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("replica " + name + " did not become ready: " + Files.readString(log));
  }

  Replica replica(int index) {
    return replicas.get(index);
  }

  static HttpRequest get(Replica replica, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.adminPort() + path))
        .header("authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).build();
  }

  JsonNode getJson(Replica replica, String path) throws Exception {
    HttpResponse<String> response = http.send(get(replica, path), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  HttpResponse<String> put(Replica replica, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.adminPort() + path))
        .header("authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20))
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What the replica's {@code /healthz} answers (200 while the process runs). */
  JsonNode health(Replica replica) throws Exception {
    return getJson(replica, "/healthz");
  }

  /** The status of the replica's {@code /readyz}. */
  int readiness(Replica replica) throws Exception {
    return http.send(get(replica, "/readyz"), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

    /** The version the replica's data plane routes {@code model} to now (and the request's status). */
  HttpResponse<Void> embed(Replica replica, String model) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + "/v1/embeddings"))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"input\":\"hi\"}")).build(), HttpResponse.BodyHandlers.discarding());
  }

  /** The version the replica's data plane routes {@code model} to now. */
  String routedVersion(Replica replica, String model) throws Exception {
    return embed(replica, model).headers().firstValue("x-modelgate-version").orElseThrow();
  }

  /** Nanoseconds from {@code since} until every one of {@code followers} routes {@code model} to {@code version}. */
  long untilRouted(List<Replica> followers, String model, String version, long since) throws Exception {
    long deadline = since + PROPAGATES_WITHIN.toNanos();
    List<Replica> waiting = new ArrayList<>(followers);
    while (!waiting.isEmpty()) {
      waiting.removeIf(replica -> {
        try {
          return routedVersion(replica, model).equals(version);
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      if (!waiting.isEmpty() && System.nanoTime() > deadline) {
        throw new AssertionError(waiting.get(0).name() + " did not route to " + version + " within " + PROPAGATES_WITHIN.toSeconds() + " s");
      }
    }
    return System.nanoTime() - since;
  }

  List<JsonNode> audit(Replica replica, String query) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    getJson(replica, "/admin/v1/audit" + query).path("events").forEach(events::add);
    return events;
  }

  /** The seq of the replica's last event, read page by page. */
  long lastSeq(Replica replica) throws Exception {
    long last = 0;
    List<JsonNode> page;
    while (!(page = audit(replica, "?since=" + last)).isEmpty()) {
      last = page.get(page.size() - 1).path("seq").asLong();
    }
    return last;
  }

  /** The value of an unlabelled gauge on the replica's {@code /metrics}. */
  double gauge(Replica replica, String name) throws Exception {
    String text = http.send(get(replica, "/metrics"), HttpResponse.BodyHandlers.ofString()).body();
    Matcher value = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(text);
    assertThat(value.find()).as(name + " on replica " + replica.name()).isTrue();
    return Double.parseDouble(value.group(1));
  }

  @Override
  public void close() throws Exception {
    for (Replica replica : replicas) {
      replica.process().destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }
  }
}
