package dev.modelgate.gateway.cli;

import dev.modelgate.gateway.config.ConfigException;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.server.Gateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code modelgate serve --config FILE}: run the gateway until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway.")
final class ServeCommand implements Callable<Integer> {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration RELOAD_CHECK_EVERY = Duration.ofSeconds(1);

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The gateway's YAML configuration.")
  Path config;

  // The README's recommended flags tell users to make their AppCDS archive with it, so it is not hidden.
  @Option(names = "--exit-after-ready", description = "Start, become ready, then stop as on SIGTERM: a training run for an AppCDS archive.")
  boolean exitAfterReady;

  @Override
  public Integer call() throws Exception {
    GatewayConfig loaded;
    try {
      loaded = ConfigLoader.load(config);
    } catch (ConfigException e) {
      System.err.println("modelgate: invalid configuration, nothing started.");
      System.err.println(e.getMessage());
      return ModelgateCommand.USAGE;
    }
    // Registered before the ports open: a SIGTERM from then on drains what has started.
    StopHook stopHook = StopHook.register(START_TIMEOUT.multipliedBy(2));
    Gateway gateway;
    try {
      gateway = Await.result(Gateway.start(loaded, System::getenv), START_TIMEOUT);
    } catch (IllegalArgumentException e) {
      stopHook.cancel();
      System.err.println("modelgate: invalid configuration, nothing started.");
      System.err.println(config + ": " + e.getMessage());
      return ModelgateCommand.USAGE;
    } catch (Exception e) {
      stopHook.cancel();
      System.err.println("modelgate: could not start: " + e.getMessage());
      return ModelgateCommand.FAILED;
    }
    // The models are in the routing table now; this frame lives as long as the process.
    loaded = loaded.withoutRegistry();
    try {
      Await.result(gateway.watchConfig(config, RELOAD_CHECK_EVERY), START_TIMEOUT);
    } catch (Exception e) {
      System.err.println("modelgate: config edits will need a restart: " + e.getMessage());
    }
    Duration drain = loaded.server().drainTimeout();
    if (exitAfterReady) {
      stopHook.cancel();
      Await.result(gateway.close(), drain.plusSeconds(5));
      return 0;
    }
    stopHook.untilStopped(() -> {
      int status = 0;
      try {
        Await.result(gateway.close(), drain.plusSeconds(5));
      } catch (Exception e) {
        System.err.println("modelgate: shutdown incomplete: " + e.getMessage() + ", waiting for " + gateway.closeStep());
        status = ModelgateCommand.FAILED;
      }
      // A drained SIGTERM is a clean stop: exit 0 rather than the JVM's 143 for a signal.
      Runtime.getRuntime().halt(status);
    });
    return 0;
  }
}
