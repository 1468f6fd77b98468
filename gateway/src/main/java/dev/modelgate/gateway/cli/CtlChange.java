package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** What {@code weights}, {@code promote} and {@code rollback} share: the optional fields and the answer. */
final class CtlChange {
  private CtlChange() {}

  /** The options every alias change takes, mixed into weights, promote and rollback. */
  static final class Options {
    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit log.")
    String reason;

    @Option(names = "--if-revision", paramLabel = "N", description = "Refuse (409) unless the alias is still at revision N.")
    Long ifRevision;

    void addTo(ObjectNode body) {
      if (reason != null) {
        body.put("reason", reason);
      }
      if (ifRevision != null) {
        body.put("if_revision", ifRevision);
      }
    }
  }

  static void print(AdminClient.Answer answer, boolean json, PrintWriter out) {
    if (json) {
      out.println(answer.body());
    } else {
      CtlOutput.aliasChanged(answer.json(), out);
    }
  }
}
