package dev.modelgate.gateway.cli;

import dev.modelgate.gateway.config.ConfigException;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.state.FileLedger;
import dev.modelgate.gateway.state.Ledger;
import dev.modelgate.gateway.state.postgres.PostgresLedger;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelgate state export|import}: moves a ledger between the file store and PostgreSQL
 * (docs/cli.md, docs/operations.md), as the {@link dev.modelgate.gateway.schema.EventJson} lines
 * the file store keeps, so every event keeps its seq, time and actor. Each subcommand opens the
 * store its {@code --config} names, as {@code serve} would; a file store is locked while a gateway
 * runs on it, so stop that one first.
 */
@Command(name = "state", mixinStandardHelpOptions = true, description = "Move the ledger between the file store and PostgreSQL.",
    subcommands = {StateCommand.Export.class, StateCommand.Import.class},
    footerHeading = "%nExit codes:%n",
    footer = {"  0  done", "  1  refused or failed (the message says why; nothing was written to the target)", "  2  bad arguments or configuration"})
final class StateCommand implements Runnable {
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (export, import)");
  }

  /** What a subcommand does with the configured ledger; throws with the message to print. */
  interface Work {
    String run(Ledger ledger, String where) throws Exception;
  }

  /** export and import: both work on the ledger their {@code --config} names. */
  abstract static class OnLedger implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The gateway's YAML configuration; its state section names the ledger.")
    Path config;

    CommandLine.ParameterException usage(String message) {
      return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Opens the ledger {@code config} names, runs {@code work} on it and prints its outcome, or why it failed. */
    int withLedger(Work work) {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      GatewayConfig loaded;
      try {
        loaded = ConfigLoader.load(config);
      } catch (ConfigException e) {
        err.println("modelgate: invalid configuration, nothing done.");
        err.println(e.getMessage());
        return ModelgateCommand.USAGE;
      }
      Vertx vertx = Vertx.vertx();
      try (Ledger ledger = Gateway.openLedger(vertx, loaded.state(), System::getenv, loaded.server().replicaId() + "-state")) {
        String where = ledger instanceof PostgresLedger postgres ? "postgres " + postgres.where() : "file " + ((FileLedger) ledger).file();
        out.println(work.run(ledger, where));
        return 0;
      } catch (LedgerTransfer.Refusal e) {
        err.println("modelgate: refused: " + e.getMessage());
        return ModelgateCommand.FAILED;
      } catch (IllegalArgumentException e) {
        err.println("modelgate: " + e.getMessage());
        return ModelgateCommand.USAGE;
      } catch (Exception e) {
        err.println("modelgate: " + e.getMessage());
        return ModelgateCommand.FAILED;
      } finally {
        try {
          Await.result(vertx.close(), CLOSE_TIMEOUT);
        } catch (Exception e) {
          err.println("modelgate: could not stop cleanly: " + e.getMessage());
        }
      }
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write every event of the configured ledger to a JSON-lines file, oldest first.")
  static final class Export extends OnLedger {
    @Option(names = "--out", required = true, paramLabel = "FILE.jsonl", description = "The file to write; it must not exist yet.")
    Path out;

    @Override
    public Integer call() {
      if (Files.exists(out)) {
        throw usage("--out: " + out + " already exists (expected: a new file; export never overwrites)");
      }
      return withLedger((ledger, where) -> LedgerTransfer.export(ledger, out, where));
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Load a file written by export into the configured ledger, which must be empty.")
  static final class Import extends OnLedger {
    @Option(names = "--in", required = true, paramLabel = "FILE.jsonl", description = "A file written by modelgate state export.")
    Path in;

    @Override
    public Integer call() {
      if (!Files.isRegularFile(in)) {
        throw usage("--in: " + in + " is not a file (expected: a file written by state export)");
      }
      return withLedger((ledger, where) -> LedgerTransfer.importInto(ledger, in, where));
    }
  }
}
