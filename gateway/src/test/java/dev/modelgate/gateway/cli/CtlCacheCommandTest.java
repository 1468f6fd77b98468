package dev.modelgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code modelgate ctl cache purge} against a real gateway on loopback. */
@Timeout(60)
class CtlCacheCommandTest {
  private record Run(int exitCode, String out, String err) {}

  private static Run ctl(GatewayHarness gateway, String token, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = ModelgateCommand.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    Map<String, String> env = Map.of(CtlCommand.URL_ENV, gateway.adminUri("").toString(), CtlCommand.TOKEN_ENV, token);
    ((CtlCommand) commandLine.getSubcommands().get("ctl").getCommand()).environment = env::get;
    String[] full = new String[args.length + 1];
    full[0] = "ctl";
    System.arraycopy(args, 0, full, 1, args.length);
    return new Run(commandLine.execute(full), out.toString(), err.toString());
  }

  @Test
  void anOperatorPurgesAModelsCachedAnswers() throws Exception {
    try (GatewayHarness gateway = new GatewayHarness()) {
      Simulator sim = gateway.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)));
      gateway.start("""
          server: {port: 0, admin_port: 0, host: 127.0.0.1}
          access_log: "off"
          auth:
            admin_tokens:
              - {name: ops, token_env: OPS, role: operator}
              - {name: dash, token_env: DASH, role: viewer}
          models:
            emb:
              versions:
                v1: {artifact: "hf://emb/v1", served_model: emb, endpoints: [%s]}
              aliases:
                production: {weights: {v1: 100}, cache: {paths: [embeddings]}}
          """.formatted(GatewayHarness.url(sim)), Map.of("OPS", "ops-secret", "DASH", "dash-secret"));
      gateway.post("/v1/embeddings", "{\"model\":\"emb\",\"input\":\"kept\"}");

      Run refused = ctl(gateway, "dash-secret", "cache", "purge", "emb");
      Run purged = ctl(gateway, "ops-secret", "cache", "purge", "emb");
      Run json = ctl(gateway, "ops-secret", "cache", "purge", "emb", "--json");

      assertThat(refused.exitCode).isEqualTo(1);
      assertThat(refused.err).contains("403");
      assertThat(purged.exitCode).as(purged.err).isZero();
      assertThat(purged.out).isEqualTo("purged 1 cached answer(s) of emb\n");
      assertThat(json.out.strip()).isEqualTo("{\"model\":\"emb\",\"removed\":0}");
      assertThat(gateway.post("/v1/embeddings", "{\"model\":\"emb\",\"input\":\"kept\"}").headers().firstValue("x-modelgate-cache"))
          .hasValue("miss");
      assertThat(sim.requestsServed()).isEqualTo(2);
    }
  }
}
