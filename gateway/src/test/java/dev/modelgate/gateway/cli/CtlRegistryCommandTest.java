package dev.modelgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.webhook.DeliveryPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code modelgate ctl registry status} against a gateway that follows an MLflow registry it cannot reach. */
class CtlRegistryCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DeliveryPolicy QUICK = new DeliveryPolicy(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(100), 10,
      Duration.ofMillis(200), Duration.ofMillis(200));

  @Test
  void statusShowsEachRegistryItsLastErrorAndTheFollowedAliasNotSyncedYet() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (GatewayHarness harness = new GatewayHarness()) {
      harness.start("""
          server: {port: 0, admin_port: 0, host: 127.0.0.1}
          access_log: "off"
          auth:
            admin_tokens: [{name: viewer, token_env: VIEW_TOKEN, role: viewer}]
          registries:
            mlflow: {kind: mlflow, tracking_uri: "http://127.0.0.1:%d", token_env: MLFLOW_TRACKING_TOKEN, poll_interval: 100ms}
          models:
            support-agent:
              source:
                registry: mlflow
                path: support-agent
                follow: {production: production}
                serving: {endpoints: [http://127.0.0.1:9], served_model: support-agent}
                on_new_version: switch
          """.formatted(closedPort), Map.of("VIEW_TOKEN", "v", "MLFLOW_TRACKING_TOKEN", "tok-s3cret"), QUICK);
      Map<String, String> env = Map.of(CtlCommand.URL_ENV, harness.adminUri("").toString(), CtlCommand.TOKEN_ENV, "v");

      long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
      String[] human = ctl(env, "registry", "status");
      while (!human[0].contains("ConnectException") && System.nanoTime() < deadline) {
        Thread.sleep(20);
        human = ctl(env, "registry", "status");
      }
      assertThat(human[0]).contains("mlflow (mlflow, http://127.0.0.1:" + closedPort + ")")
          .contains("webhooks off (no webhook_secret_env)")
          .contains("last success  never")
          .contains("support-agent:production  support-agent@production  unset  not synced yet")
          .contains("GET registered-models/alias (support-agent@production) failed after")
          .doesNotContain("tok-s3cret");
      JsonNode json = JSON.readTree(ctl(env, "registry", "status", "--json")[0]);
      assertThat(json.path("registries").get(0).path("followed").get(0).path("alias").asText()).isEqualTo("production");
    }
  }

  private static String[] ctl(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = ModelgateCommand.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    ((CtlCommand) commandLine.getSubcommands().get("ctl").getCommand()).environment = env::get;
    String[] full = new String[args.length + 1];
    full[0] = "ctl";
    System.arraycopy(args, 0, full, 1, args.length);
    int exit = commandLine.execute(full);
    assertThat(exit).as(err.toString()).isZero();
    return new String[] {out.toString(), err.toString()};
  }
}
