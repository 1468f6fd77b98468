package dev.modelgate.gateway.cli;

import dev.modelgate.core.Durations;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.gateway.config.AuthConfig;
import dev.modelgate.gateway.config.ConfigException;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.config.ServerConfig;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelgate demo}: the gateway from {@code config/demo.yaml} in front of two simulated
 * backends (v7 stable, v8 canary), with a little traffic of its own and a line a second showing how
 * the alias splits it, so a newcomer sees routing happen with nothing else set up. Partway through,
 * the canary starts failing.
 *
 * <p>The admin API is on with an admin token drawn at start and printed: {@code modelgate ctl}
 * works against the demo at once, and the token dies with it (nothing is read from or left in the
 * environment).
 *
 * <p>With {@code --rollout} it shows a progressive rollout instead ({@link RolloutDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the gateway in front of two simulated backends and watch the canary split.")
final class DemoCommand implements Callable<Integer> {
  private static final String DEMO_CONFIG = "/dev/modelgate/gateway/demo/demo.yaml";
  // demo.yaml's endpoints; rewritten when --stable-port or --canary-port picks others.
  private static final int STABLE_PORT = 9001;
  private static final int CANARY_PORT = 9002;
  private static final Duration REQUEST_EVERY = Duration.ofMillis(50);
  private static final int TOKEN_BYTES = 32;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "The gateway's data plane port, 0 for a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "8081", description = "The admin API's port, 0 for a free one (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--stable-port", paramLabel = "PORT", defaultValue = "" + STABLE_PORT,
      description = "The simulated v7 backend's port, 0 for a free one (default: ${DEFAULT-VALUE}).")
  int stablePort;

  @Option(names = "--canary-port", paramLabel = "PORT", defaultValue = "" + CANARY_PORT,
      description = "The simulated v8 backend's port, 0 for a free one (default: ${DEFAULT-VALUE}).")
  int canaryPort;

  @Option(names = "--canary-fails-after", paramLabel = "DURATION", defaultValue = "15s", description = "When the canary starts failing (default: ${DEFAULT-VALUE}).")
  Duration canaryFailsAfter;

  @Option(names = "--duration", paramLabel = "DURATION", description = "Stop after this long (default: run until Ctrl-C).")
  Duration duration;

  @Option(names = "--rollout", description = "Show a progressive rollout instead: a healthy candidate through shadow, 5, 25, 50 and 100 %%, "
      + "then a failing one rolled back mid-way; ends by itself in about half a minute.")
  boolean rollout;

  private final Map<String, AtomicLong> servedBy = new ConcurrentHashMap<>();
  private final AtomicLong failures = new AtomicLong();
  private volatile String lastHeaders = "";
  private long lastRevision;

  @Override
  public Integer call() throws Exception {
    checkPort("--port", port);
    checkPort("--admin-port", adminPort);
    checkPort("--stable-port", stablePort);
    checkPort("--canary-port", canaryPort);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (rollout) {
      return new RolloutDemo(out, err, port, adminPort).run();
    }
    Path stateDir = Files.createTempDirectory("modelgate-demo-");
    String token = newToken();

    Vertx vertx = Gateway.newVertx();
    StopHook stopHook = StopHook.register(Duration.ofSeconds(30));
    Simulator stable;
    Simulator canary;
    Gateway gateway;
    try {
      SimOptions sim = SimOptions.defaults().withModel("support-agent").withTtft(Duration.ofMillis(30))
          .withInterTokenLatency(Duration.ofMillis(5)).withTokens(12);
      stable = Await.result(Simulator.start(vertx, sim.withPort(stablePort)), Duration.ofSeconds(10));
      canary = Await.result(Simulator.start(vertx, sim.withPort(canaryPort)), Duration.ofSeconds(10));
      // The token exists only in this process: a variable left over from another run is ignored.
      Function<String, String> environment = name -> AuthConfig.DEFAULT_TOKEN_ENV.equals(name) ? token : System.getenv(name);
      gateway = Await.result(Gateway.start(vertx, config(stateDir, stable.port(), canary.port()), environment), Duration.ofSeconds(10));
    } catch (Exception e) {
      stopHook.cancel();
      vertx.close();
      err.println("modelgate demo: could not start: " + e.getMessage()
          + " (the demo needs 127.0.0.1 ports " + port + ", " + adminPort + ", " + stablePort + " and " + canaryPort
          + " free; --port, --admin-port, --stable-port and --canary-port choose others)");
      return ModelgateCommand.FAILED;
    }
    banner(out, gateway, stable.port(), canary.port(), stateDir, token);

    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    long start = System.nanoTime();
    long traffic = vertx.setPeriodic(REQUEST_EVERY.toMillis(), id -> sendOne(client, gateway.port()));
    lastRevision = gateway.routing().table().registry().models().get("support-agent").aliases().get("production").revision();
    long reports = vertx.setPeriodic(1000, id -> report(out, start, gateway));
    long failing = vertx.setTimer(canaryFailsAfter.toMillis(), id -> {
      canary.errorRate(0.5);
      out.println();
      out.println(">>> canary v8 starts failing: half its answers are now HTTP 500");
      out.println();
    });
    Runnable stop = () -> {
      vertx.cancelTimer(traffic);
      vertx.cancelTimer(reports);
      vertx.cancelTimer(failing);
      try {
        Await.result(gateway.close().transform(v -> vertx.close()), Duration.ofSeconds(10));
      } catch (Exception e) {
        err.println("modelgate demo: shutdown incomplete: " + e.getMessage());
      }
    };
    if (duration != null) {
      stopHook.cancel();
      boolean interrupted = false;
      try {
        Thread.sleep(duration.toMillis());
      } catch (InterruptedException e) {
        // Asked to stop early (tests do): shut down as at the end, then keep the interrupt.
        interrupted = true;
      }
      stop.run();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return 0;
    }
    stopHook.untilStopped(stop);
    return 0;
  }

  private void checkPort(String option, int value) {
    if (value < 0 || value > 65535) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + value + " (expected: 0 to 65535, 0 for a free one)");
    }
  }

  static String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** demo.yaml with the ports in force. */
  private GatewayConfig config(Path stateDir, int stableListens, int canaryListens) throws ConfigException, IOException {
    String yaml = readDemoConfig(DEMO_CONFIG)
        .replace(endpoint(STABLE_PORT), endpoint(stableListens))
        .replace(endpoint(CANARY_PORT), endpoint(canaryListens));
    return demoConfig(yaml, stateDir, port, adminPort);
  }

  /**
   * A demo's config {@code yaml} with its state under {@code stateDir}, the given ports, and the
   * admin API on with the default token variable, which the demo answers itself.
   */
  static GatewayConfig demoConfig(String yaml, Path stateDir, int port, int adminPort) throws ConfigException {
    GatewayConfig loaded = ConfigLoader.parse(yaml, "demo.yaml");
    ServerConfig server = loaded.server().withPorts(port, adminPort);
    AuthConfig auth = new AuthConfig(AuthConfig.DEFAULT_ADMIN_TOKENS, loaded.auth().clientKeysEnv(), false);
    return new GatewayConfig(server, StateConfig.file(stateDir), auth,
        stateDir.resolve("access.jsonl").toString(), loaded.webhooks(), loaded.registry(), loaded.deliveries(), loaded.caches(), loaded.registries(), loaded.sources());
  }

  static String endpoint(int port) {
    return "http://127.0.0.1:" + port;
  }

  /** A demo config shipped in the jar. */
  static String readDemoConfig(String resource) throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private void banner(PrintWriter out, Gateway gateway, int stableListens, int canaryListens, Path stateDir, String token) {
    String adminUrl = endpoint(gateway.adminPort());
    String urlExport = adminUrl.equals(CtlCommand.DEFAULT_URL) ? "" : "\n  export " + CtlCommand.URL_ENV + "=" + adminUrl;
    out.print("""
        modelgate demo
          gateway    %1$s/v1   (admin API and /metrics on %2$s)
          backends   v7 (stable) %3$s    v8 (canary) %4$s
          alias      support-agent:production  ->  v7 80%%  v8 20%%
          access log %5$s

        Try it yourself while it runs:
          curl -i %1$s/v1/chat/completions -H 'content-type: application/json' \\
            -d '{"model":"support-agent","messages":[{"role":"user","content":"hello"}]}'

        Move the split yourself from another terminal (this admin token works for this run only):
          export %6$s=%7$s%8$s
          %9$s ctl models
          %9$s ctl weights support-agent production v7=50 v8=50 --reason "try it"

        The demo sends 20 requests a second and shows, every second, which version answered them.
        After %10$s the canary starts failing, and the SLO guard rolls production back to v7:

        """.formatted(endpoint(gateway.port()), adminUrl, endpoint(stableListens), endpoint(canaryListens),
        stateDir.resolve("access.jsonl"), CtlCommand.TOKEN_ENV, token, urlExport, selfCommand(), Durations.format(canaryFailsAfter)));
    out.flush();
  }

  /** How to run this same modelgate: {@code java -jar <path>} from a jar, else {@code modelgate}. */
  private static String selfCommand() {
    try {
      Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return jar.toString().endsWith(".jar") ? "java -jar " + jar : "modelgate";
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      return "modelgate";
    }
  }

  /** One chat request of a demo's traffic to the gateway on {@code port}, its answer read whole. */
  static Future<HttpClientResponse> sendChat(HttpClient client, int port) {
    Buffer body = Buffer.buffer("{\"model\":\"support-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"Where is my order?\"}]}");
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/v1/chat/completions").putHeader("content-type", "application/json");
    return client.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> resp));
  }

  private void sendOne(HttpClient client, int port) {
    sendChat(client, port)
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
  private void report(PrintWriter out, long start, Gateway gateway) {
    long seconds = Math.round((System.nanoTime() - start) / 1e9);
    Map<String, Long> counts = new TreeMap<>();
    servedBy.forEach((k, v) -> counts.put(k, v.getAndSet(0)));
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder line = new StringBuilder(String.format("[%3ds] last second: ", seconds));
    counts.forEach((version, n) -> line.append(String.format("%s %3d (%3.0f%%)   ", version, n, total == 0 ? 0.0 : 100.0 * n / total)));
    line.append(String.format("errors %3d   last answer: %s", failures.getAndSet(0), lastHeaders));
    out.println(line);
    Alias production = gateway.routing().table().registry().models().get("support-agent").aliases().get("production");
    if (production.revision() != lastRevision) {
      lastRevision = production.revision();
      gateway.controlPlane().since(0, Integer.MAX_VALUE, "support-agent", "production").onSuccess(events -> {
        out.println();
        out.println(">>> support-agent:production is now " + production.weights() + " (revision " + production.revision()
            + "). The audit event that did it (GET /admin/v1/audit shows the same):");
        out.println(EventJson.write(events.get(events.size() - 1)));
        out.println();
      });
    }
  }
}
