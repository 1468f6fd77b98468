package dev.modelgate.gateway.cli;

import dev.modelgate.core.Durations;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelgate demo}: the gateway from {@code config/demo.yaml} in front of two simulated
 * backends (v7 stable, v8 canary), with a little traffic of its own and a line a second showing how
 * the alias splits it, so a newcomer sees routing happen with nothing else set up. Partway through,
 * the canary starts failing.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the gateway in front of two simulated backends and watch the canary split.")
final class DemoCommand implements Callable<Integer> {
  private static final String DEMO_CONFIG = "/dev/modelgate/gateway/demo/demo.yaml";
  private static final int STABLE_PORT = 9001;
  private static final int CANARY_PORT = 9002;
  private static final Duration REQUEST_EVERY = Duration.ofMillis(50);

  @Option(names = "--canary-fails-after", defaultValue = "15s", description = "When the canary starts failing (default: ${DEFAULT-VALUE}).")
  Duration canaryFailsAfter;

  @Option(names = "--duration", description = "Stop after this long (default: run until Ctrl-C).")
  Duration duration;

  private final Map<String, AtomicLong> servedBy = new ConcurrentHashMap<>();
  private final AtomicLong failures = new AtomicLong();
  private volatile String lastHeaders = "";
  private long lastRevision;

  @Override
  public Integer call() throws Exception {
    Path stateDir = Files.createTempDirectory("modelgate-demo-");
    GatewayConfig loaded = ConfigLoader.parse(readDemoConfig(), "demo.yaml");
    GatewayConfig config = new GatewayConfig(loaded.server(), new StateConfig("file", stateDir, null), loaded.auth(),
        stateDir.resolve("access.jsonl").toString(), loaded.webhooks(), loaded.registry());

    Vertx vertx = Gateway.newVertx();
    Simulator stable;
    Simulator canary;
    Gateway gateway;
    try {
      SimOptions sim = SimOptions.defaults().withModel("support-agent").withTtft(Duration.ofMillis(30))
          .withInterTokenLatency(Duration.ofMillis(5)).withTokens(12);
      stable = Await.result(Simulator.start(vertx, sim.withPort(STABLE_PORT)), Duration.ofSeconds(10));
      canary = Await.result(Simulator.start(vertx, sim.withPort(CANARY_PORT)), Duration.ofSeconds(10));
      gateway = Await.result(Gateway.start(vertx, config, System::getenv), Duration.ofSeconds(10));
    } catch (Exception e) {
      vertx.close();
      System.err.println("modelgate demo: could not start: " + e.getMessage()
          + " (the demo needs 127.0.0.1 ports " + STABLE_PORT + ", " + CANARY_PORT + " and "
          + config.server().port() + ", " + config.server().adminPort() + " free)");
      return ModelgateCommand.FAILED;
    }
    banner(gateway, stateDir, canaryFailsAfter);

    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    long start = System.nanoTime();
    long traffic = vertx.setPeriodic(REQUEST_EVERY.toMillis(), id -> sendOne(client, gateway.port()));
    lastRevision = gateway.routing().table().registry().models().get("support-agent").aliases().get("production").revision();
    long reports = vertx.setPeriodic(1000, id -> report(start, gateway));
    long failing = vertx.setTimer(canaryFailsAfter.toMillis(), id -> {
      canary.errorRate(0.5);
      System.out.println();
      System.out.println(">>> canary v8 starts failing: half its answers are now HTTP 500");
      System.out.println();
    });
    Runnable stop = () -> {
      vertx.cancelTimer(traffic);
      vertx.cancelTimer(reports);
      vertx.cancelTimer(failing);
      try {
        Await.result(gateway.close().transform(v -> vertx.close()), Duration.ofSeconds(10));
      } catch (Exception e) {
        System.err.println("modelgate demo: shutdown incomplete: " + e.getMessage());
      }
    };
    if (duration != null) {
      Thread.sleep(duration.toMillis());
      stop.run();
      return 0;
    }
    Await.untilShutdown(stop);
    return 0;
  }

  private static String readDemoConfig() throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(DEMO_CONFIG)) {
      if (in == null) {
        throw new IOException("demo.yaml is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void banner(Gateway gateway, Path stateDir, Duration failAfter) {
    int port = gateway.port();
    System.out.println("""
        modelgate demo
          gateway   http://127.0.0.1:%d/v1   (admin and /metrics on http://127.0.0.1:%d)
          backends  v7 (stable) http://127.0.0.1:%d    v8 (canary) http://127.0.0.1:%d
          alias     support-agent:production  ->  v7 80%%  v8 20%%
          access log %s

        Try it yourself while it runs:
          curl -i http://127.0.0.1:%d/v1/chat/completions -H 'content-type: application/json' \\
            -d '{"model":"support-agent","messages":[{"role":"user","content":"hello"}]}'

        The demo sends 20 requests a second and shows, every second, which version answered them.
        After %s the canary starts failing, and the SLO guard rolls production back to v7:
        """.formatted(port, gateway.adminPort(), STABLE_PORT, CANARY_PORT, stateDir.resolve("access.jsonl"), port, Durations.format(failAfter)));
  }

  private void sendOne(HttpClient client, int port) {
    Buffer body = Buffer.buffer("{\"model\":\"support-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"Where is my order?\"}]}");
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/v1/chat/completions").putHeader("content-type", "application/json");
    client.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> resp))
        .onSuccess(resp -> {
          String version = resp.getHeader("x-modelgate-version");
          String route = resp.getHeader("x-modelgate-route");
          String key = (version == null ? "-" : version) + " (" + (route == null ? "-" : route) + ")";
          servedBy.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
          if (resp.statusCode() >= 400) {
            failures.incrementAndGet();
          }
          lastHeaders = "x-modelgate-version: " + version + ", x-modelgate-route: " + route + ", status " + resp.statusCode();
        })
        .onFailure(e -> failures.incrementAndGet());
  }

  // Counts of the last second, not totals: a rollback shows as the canary's share dropping to zero.
  private void report(long start, Gateway gateway) {
    long seconds = Math.round((System.nanoTime() - start) / 1e9);
    Map<String, Long> counts = new TreeMap<>();
    servedBy.forEach((k, v) -> counts.put(k, v.getAndSet(0)));
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder line = new StringBuilder(String.format("[%3ds] last second: ", seconds));
    counts.forEach((version, n) -> line.append(String.format("%s %3d (%3.0f%%)   ", version, n, total == 0 ? 0.0 : 100.0 * n / total)));
    line.append(String.format("errors %3d   last answer: %s", failures.getAndSet(0), lastHeaders));
    System.out.println(line);
    Alias production = gateway.routing().table().registry().models().get("support-agent").aliases().get("production");
    if (production.revision() != lastRevision) {
      lastRevision = production.revision();
      gateway.controlPlane().since(0, Integer.MAX_VALUE, "support-agent", "production").onSuccess(events -> {
        System.out.println();
        System.out.println(">>> support-agent:production is now " + production.weights() + " (revision " + production.revision()
            + "). The audit event that did it (GET /admin/v1/audit shows the same):");
        System.out.println(EventJson.write(events.get(events.size() - 1)));
        System.out.println();
      });
    }
  }
}
