package dev.modelgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.sim.SimOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code modelgate ctl rollout …} run in process, as typed, against a real gateway on loopback. */
@Timeout(60)
class CtlRolloutCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OPERATOR = "operator-secret";
  private static final GatewayHarness gateway = new GatewayHarness();

  @BeforeAll
  static void start() throws Exception {
    String backend = GatewayHarness.url(gateway.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2)));
    gateway.start(GatewayHarness.adminFixture(backend) + """
          stepped:
            versions:
              v1: {artifact: "s3://m/v1", served_model: m, endpoints: [%1$s]}
              v2: {artifact: "s3://m/v2", served_model: m, endpoints: [%1$s]}
            aliases:
              production:
                weights: {v1: 100}
                stable: v1
                slo: {window: 1s, evaluation_interval: 100ms, min_requests: 3}
                rollout: {steps: [50, 100], step_interval: 1h, min_requests: 3, approval_before: [50]}
        """.formatted(backend), Map.of("VIEWER_TOKEN", "viewer-secret", "OPERATOR_TOKEN", OPERATOR, "ADMIN_TOKEN", "admin-secret"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run ctl(String... args) {
    return ctl(new StringWriter(), args);
  }

  private static Run ctl(StringWriter out, String... args) {
    StringWriter err = new StringWriter();
    CommandLine commandLine = ModelgateCommand.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    Map<String, String> env = Map.of(CtlCommand.URL_ENV, gateway.adminUri("").toString(), CtlCommand.TOKEN_ENV, OPERATOR);
    ((CtlCommand) commandLine.getSubcommands().get("ctl").getCommand()).environment = env::get;
    String[] full = new String[args.length + 1];
    full[0] = "ctl";
    System.arraycopy(args, 0, full, 1, args.length);
    int exitCode = commandLine.execute(full);
    return new Run(exitCode, out.toString(), err.toString());
  }

  @Test
  void startsApprovesPausesAndAbortsARolloutAndWatchesItEnd() throws Exception {
    Run none = ctl("rollout", "status", "stepped", "production");
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.err()).contains("404").contains("has had no rollout");

    Run started = ctl("rollout", "start", "stepped", "production", "v2", "--reason", "try v2");
    assertThat(started.exitCode()).as(started.err()).isZero();
    assertThat(started.out()).contains("stepped:production to v2 from v1").contains("awaiting_approval").contains("before step 1")
        .contains("50% (approval) → 100%").contains("waits for approval");

    Run approved = ctl("rollout", "approve", "stepped", "production", "--reason", "go");
    assertThat(approved.exitCode()).as(approved.err()).isZero();
    assertThat(approved.out()).contains("running").contains("step 1 of 2  [##########..........] 50%")
        .contains("inconclusive: 0 of 3 requests").contains("at the earliest, if the gate passes");

    assertThat(ctl("rollout", "pause", "stepped", "production").exitCode()).isZero();
    Run pausedAgain = ctl("rollout", "pause", "stepped", "production");
    assertThat(pausedAgain.exitCode()).isEqualTo(1);
    assertThat(pausedAgain.err()).contains("409").contains("paused already");
    Run json = ctl("rollout", "status", "stepped", "production", "--json");
    assertThat(JSON.readTree(json.out()).path("state").asText()).isEqualTo("paused");

    StringWriter watchOut = new StringWriter();
    CompletableFuture<Run> watching = CompletableFuture.supplyAsync(
        () -> ctl(watchOut, "rollout", "status", "stepped", "production", "--watch", "--interval", "50ms"));
    // The watch shows the paused rollout and keeps watching; it ends once the rollout does.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!watchOut.toString().contains("paused")) {
      assertThat(System.nanoTime()).as("waiting for the watch's first line").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(watching).isNotDone();
    assertThat(ctl("rollout", "abort", "stepped", "production", "--reason", "enough").exitCode()).isZero();
    Run watched = watching.get(20, TimeUnit.SECONDS);

    assertThat(watched.exitCode()).as(watched.err()).isZero();
    assertThat(watched.out().lines().toList()).containsExactly(
        "stepped:production v2 paused at step 1 of 2 (50%), gate inconclusive on 0/3 requests",
        "stepped:production v2 aborted at step 1 of 2 (0%), gate inconclusive on 0/3 requests");
  }

  @Test
  void aBadWatchIntervalIsAUsageErrorNamingTheFlag() {
    Run run = ctl("rollout", "status", "stepped", "production", "--watch", "--interval", "soon");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--interval: 'soon' (expected: a positive duration such as 2s or 500ms)");
  }
}
