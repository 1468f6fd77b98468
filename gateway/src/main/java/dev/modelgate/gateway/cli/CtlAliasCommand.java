package dev.modelgate.gateway.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code modelgate ctl alias show M A}. */
@Command(name = "alias", mixinStandardHelpOptions = true, description = "Inspect an alias.",
    subcommands = CtlAliasCommand.Show.class)
final class CtlAliasCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (show)");
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Show an alias: revision, stable version, weights and, under an SLO policy, each version's live requests, error rate and p99.")
  static final class Show extends CtlSubcommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "ALIAS")
    String alias;

    @Override
    void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
      AdminClient.Answer answer = admin.get(CtlPaths.alias(model, alias));
      if (json) {
        out.println(answer.body());
      } else {
        CtlOutput.alias(answer.json(), out);
      }
    }
  }
}
