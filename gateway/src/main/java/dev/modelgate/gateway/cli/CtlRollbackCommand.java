package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelgate ctl rollback M A}. */
@Command(name = "rollback", mixinStandardHelpOptions = true, description = "Send 100 %% of an alias back to its stable version.")
final class CtlRollbackCommand extends CtlSubcommand {
  @Parameters(index = "0", paramLabel = "MODEL")
  String model;

  @Parameters(index = "1", paramLabel = "ALIAS")
  String alias;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit log.")
  String reason;

  @Option(names = "--if-revision", paramLabel = "N", description = "Refuse (409) unless the alias is still at revision N.")
  Long ifRevision;

  @Override
  void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    CtlChange.common(body, reason, ifRevision);
    CtlChange.print(admin.send("POST", CtlPaths.alias(model, alias) + "/rollback", body), json, out);
  }
}
