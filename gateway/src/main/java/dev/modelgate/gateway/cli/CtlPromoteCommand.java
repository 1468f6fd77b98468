package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit log.")
  String reason;

  @Option(names = "--if-revision", paramLabel = "N", description = "Refuse (409) unless the alias is still at revision N.")
  Long ifRevision;

  @Override
  void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("version", version);
    CtlChange.common(body, reason, ifRevision);
    CtlChange.print(admin.send("POST", CtlPaths.alias(model, alias) + "/promote", body), json, out);
  }
}
