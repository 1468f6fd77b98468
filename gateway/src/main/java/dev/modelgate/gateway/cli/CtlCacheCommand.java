package dev.modelgate.gateway.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code modelgate ctl cache purge M}. */
@Command(name = "cache", mixinStandardHelpOptions = true, description = "Manage the response cache.",
    subcommands = CtlCacheCommand.Purge.class)
final class CtlCacheCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (purge)");
  }

  @Command(name = "purge", mixinStandardHelpOptions = true,
      description = "Drop every cached answer of a model's versions on the replica the admin URL reaches.")
  static final class Purge extends CtlSubcommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Override
    void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
      AdminClient.Answer answer = admin.send("DELETE", CtlPaths.model(model) + "/cache", null);
      if (json) {
        out.println(answer.body());
      } else {
        out.println("purged " + answer.json().path("removed").asInt() + " cached answer(s) of " + model);
      }
    }
  }
}
