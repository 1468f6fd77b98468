package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code modelgate ctl promote M A vN}. */
@Command(name = "promote", mixinStandardHelpOptions = true, description = "Send 100 %% of an alias to a version and make it the stable one.")
final class CtlPromoteCommand extends CtlSubcommand {
  @Parameters(index = "0", paramLabel = "MODEL")
  String model;

  @Parameters(index = "1", paramLabel = "ALIAS")
  String alias;

  @Parameters(index = "2", paramLabel = "VERSION")
  String version;

  @Mixin
  CtlChange.Options change;

  @Override
  void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("version", version);
    change.addTo(body);
    CtlChange.print(admin.send("POST", CtlPaths.alias(model, alias) + "/promote", body), json, out);
  }
}
