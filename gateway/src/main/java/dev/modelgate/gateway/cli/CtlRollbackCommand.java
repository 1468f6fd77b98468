package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code modelgate ctl rollback M A}. */
@Command(name = "rollback", mixinStandardHelpOptions = true, description = "Send 100 %% of an alias back to its stable version.")
final class CtlRollbackCommand extends CtlSubcommand {
  @Parameters(index = "0", paramLabel = "MODEL")
  String model;

  @Parameters(index = "1", paramLabel = "ALIAS")
  String alias;

  @Mixin
  CtlChange.Options change;

  @Override
  void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    change.addTo(body);
    CtlChange.print(admin.send("POST", CtlPaths.alias(model, alias) + "/rollback", body), json, out);
  }
}
