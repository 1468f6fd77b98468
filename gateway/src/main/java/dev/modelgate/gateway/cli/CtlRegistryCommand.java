package dev.modelgate.gateway.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code modelgate ctl registry status}. */
@Command(name = "registry", mixinStandardHelpOptions = true, description = "Inspect registry sync (models following W&B or MLflow).",
    subcommands = CtlRegistryCommand.Status.class)
final class CtlRegistryCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (status)");
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Per registry: last success, last error, lag, and each followed alias with where it points there and here.")
  static final class Status extends CtlSubcommand {
    @Override
    void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
      AdminClient.Answer answer = admin.get("/admin/v1/registry");
      if (json) {
        out.println(answer.body());
      } else {
        CtlOutput.registries(answer.json(), out);
      }
    }
  }
}
