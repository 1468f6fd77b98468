package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutPhase;
import dev.modelgate.gateway.config.AuthConfig;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code modelgate demo --rollout}: the gateway from {@code config/demo-rollout.yaml} in front of
 * three simulated backends, with steady traffic of its own. Through the admin API, as an operator
 * would, it rolls out v8, a healthy candidate, through the shadow phase and every step to stable;
 * then v9, which starts failing once it serves 25 % and is rolled back by the gate. Every transition
 * is printed as the ledger recorded it, with its time since the rollout started, and a summary of
 * how long each phase lasted.
 */
final class RolloutDemo {
  private static final String CONFIG = "/dev/modelgate/gateway/demo/demo-rollout.yaml";
  private static final String MODEL = "support-agent";
  private static final String ALIAS = "production";
  private static final String ROLLOUTS = "/admin/v1/models/" + MODEL + "/aliases/" + ALIAS + "/rollouts";
  // demo-rollout.yaml's endpoints, rewritten to the simulators' free ports.
  private static final int[] CONFIG_PORTS = {9001, 9002, 9003};
  // 100 requests a second: even a 5 % step sees the gate's min_requests within its window.
  private static final Duration REQUEST_EVERY = Duration.ofMillis(10);
  private static final Duration POLL_EVERY = Duration.ofMillis(100);
  // A rollout of the demo takes seconds; one that has not ended in this long never will.
  private static final Duration ROLLOUT_LIMIT = Duration.ofSeconds(120);
  /** The step at which the second candidate starts failing: 25 %. */
  private static final int FAILING_FROM_STEP = 2;

  private final PrintWriter out;
  private final PrintWriter err;
  private final int port;
  private final int adminPort;
  private long seenSeq;

  RolloutDemo(PrintWriter out, PrintWriter err, int port, int adminPort) {
    this.out = out;
    this.err = err;
    this.port = port;
    this.adminPort = adminPort;
  }

  int run() throws Exception {
    Path stateDir = Files.createTempDirectory("modelgate-demo-rollout-");
    String token = DemoCommand.newToken();
    Vertx vertx = Gateway.newVertx();
    List<Simulator> sims = new ArrayList<>();
    Gateway gateway;
    try {
      SimOptions sim = SimOptions.defaults().withModel(MODEL).withTtft(Duration.ofMillis(20))
          .withInterTokenLatency(Duration.ofMillis(2)).withTokens(8).withPort(0);
      String yaml = DemoCommand.readDemoConfig(CONFIG);
      for (int configPort : CONFIG_PORTS) {
        Simulator started = Await.result(Simulator.start(vertx, sim), Duration.ofSeconds(10));
        sims.add(started);
        yaml = yaml.replace(DemoCommand.endpoint(configPort), DemoCommand.endpoint(started.port()));
      }
      // The token exists only in this process: a variable left over from another run is ignored.
      Function<String, String> environment = name -> AuthConfig.DEFAULT_TOKEN_ENV.equals(name) ? token : System.getenv(name);
      gateway = Await.result(Gateway.start(vertx, DemoCommand.demoConfig(yaml, stateDir, port, adminPort), environment), Duration.ofSeconds(10));
    } catch (Exception e) {
      vertx.close();
      err.println("modelgate demo --rollout: could not start: " + e.getMessage()
          + " (the demo needs 127.0.0.1 ports " + port + " and " + adminPort + " free; --port and --admin-port choose others)");
      return ModelgateCommand.FAILED;
    }
    String adminUrl = DemoCommand.endpoint(gateway.adminPort());
    out.printf("""
        modelgate demo --rollout
          gateway    %s/v1   (admin API and /metrics on %s)
          backends   v7 (stable) %s   v8 (healthy candidate) %s   v9 (fails from 25 %%) %s
          plan       shadow: 20 %% mirrored for 2s, then 5 → 25 → 50 → 100 %%, each phase at least 2s
                     and at least 5 of the candidate's requests within the SLO window, judged every 250ms
          traffic    100 requests a second to %s (the alias's default), sent by the demo

        """, DemoCommand.endpoint(gateway.port()), adminUrl, url(sims.get(0)), url(sims.get(1)), url(sims.get(2)), MODEL);
    out.flush();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    long traffic = vertx.setPeriodic(REQUEST_EVERY.toMillis(), id -> DemoCommand.sendChat(client, gateway.port()));
    try {
      AdminClient admin = new AdminClient(adminUrl, token);
      Rollout healthy = rollOut(admin, gateway, "v8", "a healthy candidate", null);
      Rollout failing = rollOut(admin, gateway, "v9", "a candidate that starts failing once it serves 25 %", sims.get(2));
      out.printf("Done: %s is %s and stable; %s was %s at step %d (%d %%). GET %s/admin/v1/audit shows every transition.%n",
          healthy.version(), healthy.status().wireName(), failing.version(), failing.status().wireName().replace('_', ' '),
          failing.step(), failing.plan().percentAt(failing.step()), adminUrl);
      return 0;
    } finally {
      vertx.cancelTimer(traffic);
      try {
        Await.result(gateway.close().transform(v -> vertx.close()), Duration.ofSeconds(10));
      } catch (Exception e) {
        err.println("modelgate demo --rollout: shutdown incomplete: " + e.getMessage());
      }
      out.flush();
    }
  }

  private static String url(Simulator sim) {
    return DemoCommand.endpoint(sim.port());
  }

  /**
   * Starts rolling the alias out to {@code version} through the admin API and prints each
   * transition until the rollout ends; {@code startsFailing}, when given, begins answering half its
   * requests with 500 once the rollout reaches {@link #FAILING_FROM_STEP}.
   */
  private Rollout rollOut(AdminClient admin, Gateway gateway, String version, String what, Simulator startsFailing) throws Exception {
    out.println("Rolling out " + version + ", " + what + ":");
    out.flush();
    // No reason of its own: the event then says what the machine started.
    ObjectNode start = JsonNodeFactory.instance.objectNode().put("version", version);
    admin.send("POST", ROLLOUTS, start);
    List<AuditEvent> transitions = new ArrayList<>();
    boolean failing = false;
    long deadline = System.nanoTime() + ROLLOUT_LIMIT.toNanos();
    while (true) {
      // Read before the events: a rollout seen ended here has its last event in the ledger already.
      Rollout rollout = production(gateway).rollout();
      for (AuditEvent event : Await.result(gateway.controlPlane().since(seenSeq, 1_000, MODEL, ALIAS), Duration.ofSeconds(10))) {
        seenSeq = event.seq();
        if (event.action().isRollout() || event.action() == Action.AUTO_ROLLBACK) {
          transitions.add(event);
          print(transitions.get(0).time(), event);
        }
      }
      if (startsFailing != null && !failing && rollout.phase() == RolloutPhase.STEP && rollout.step() >= FAILING_FROM_STEP) {
        startsFailing.errorRate(0.5);
        failing = true;
        out.println("  >>> " + version + " starts failing: half its answers are now HTTP 500");
        out.flush();
      }
      if (rollout.version().equals(version) && rollout.status().isTerminal()) {
        summarize(transitions);
        return rollout;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the rollout of " + version + " did not end within " + ROLLOUT_LIMIT.toSeconds() + " s");
      }
      Thread.sleep(POLL_EVERY.toMillis());
    }
  }

  private void print(Instant started, AuditEvent event) {
    out.printf(Locale.ROOT, "  [%5.1fs] %-17s %s%n", seconds(started, event.time()), event.action().wireName(), event.reason());
    out.flush();
  }

  /** How long each phase lasted, from the event that entered it to the one that left it. */
  private void summarize(List<AuditEvent> transitions) {
    StringBuilder line = new StringBuilder("  phases:");
    for (int i = 0; i + 1 < transitions.size(); i++) {
      Rollout entered = ((Change.AliasChanged) transitions.get(i).change()).after().rollout();
      line.append(String.format(Locale.ROOT, " %s %.1fs ·", phaseName(entered), seconds(transitions.get(i).time(), transitions.get(i + 1).time())));
    }
    line.setLength(line.length() - 2);
    out.println(line);
    out.println();
    out.flush();
  }

  private static String phaseName(Rollout rollout) {
    return switch (rollout.phase()) {
      case SHADOW -> "shadow";
      case SEGMENT -> "segment " + rollout.plan().segmentFirst();
      case STEP -> rollout.plan().percentAt(rollout.step()) + " %";
    };
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  private static Alias production(Gateway gateway) {
    return gateway.routing().table().registry().models().get(MODEL).aliases().get(ALIAS);
  }
}
