package dev.modelgate.gateway.cli;

import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code modelgate sim}: a simulated OpenAI-compatible backend for tests, demos and benchmarks. */
@Command(name = "sim", mixinStandardHelpOptions = true,
    description = "Run a simulated OpenAI-compatible backend (chat, completions, embeddings, responses, models; SSE streaming).")
final class SimCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", required = true, description = "Port to listen on (0 picks a free one).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--ttft-ms", defaultValue = "50", description = "Time to first token, ms (default: ${DEFAULT-VALUE}).")
  long ttftMs;

  @Option(names = "--itl-ms", defaultValue = "10", description = "Time between tokens, ms (default: ${DEFAULT-VALUE}).")
  long itlMs;

  @Option(names = "--tokens", defaultValue = "16", description = "Tokens per completion (default: ${DEFAULT-VALUE}).")
  int tokens;

  @Option(names = "--error-rate", defaultValue = "0", description = "Share of requests answered 500, 0 to 1 (default: ${DEFAULT-VALUE}).")
  double errorRate;

  @Option(names = "--model", defaultValue = "sim-model", description = "Model name the backend reports (default: ${DEFAULT-VALUE}).")
  String model;

  @Override
  public Integer call() throws Exception {
    check(port >= 0 && port <= 65535, "--port", port + " (expected: 0 to 65535)");
    check(ttftMs >= 0, "--ttft-ms", ttftMs + " (expected: 0 or more)");
    check(itlMs >= 0, "--itl-ms", itlMs + " (expected: 0 or more)");
    check(tokens >= 1, "--tokens", tokens + " (expected: 1 or more)");
    check(errorRate >= 0 && errorRate <= 1, "--error-rate", errorRate + " (expected: a fraction from 0 to 1)");
    check(!model.isBlank(), "--model", "is empty");
    SimOptions options = SimOptions.defaults()
        .withHost(host).withPort(port)
        .withTtft(Duration.ofMillis(ttftMs)).withInterTokenLatency(Duration.ofMillis(itlMs))
        .withTokens(tokens).withErrorRate(errorRate).withModel(model);
    Vertx vertx = Gateway.newVertx();
    StopHook stopHook = StopHook.register(Duration.ofSeconds(30));
    Simulator sim;
    try {
      sim = Await.result(Simulator.start(vertx, options), Duration.ofSeconds(30));
    } catch (Exception e) {
      stopHook.cancel();
      vertx.close();
      System.err.println("modelgate sim: could not listen on " + host + ":" + port + ": " + e.getMessage());
      return ModelgateCommand.FAILED;
    }
    System.out.println("modelgate sim: model " + model + " on http://" + host + ":" + sim.port());
    stopHook.untilStopped(() -> vertx.close());
    return 0;
  }

  private void check(boolean ok, String option, String problem) {
    if (!ok) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + problem);
    }
  }
}
