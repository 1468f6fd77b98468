package dev.modelgate.gateway.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code modelgate ctl models}: every model and alias with its weights. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List every model:alias with its revision, stable version and weights.")
final class CtlModelsCommand extends CtlSubcommand {
  @Override
  void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
    AdminClient.Answer answer = admin.get("/admin/v1/models");
    if (json) {
      out.println(answer.body());
    } else {
      CtlOutput.models(answer.json(), out);
    }
  }
}
