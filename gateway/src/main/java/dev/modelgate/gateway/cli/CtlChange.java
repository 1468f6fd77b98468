package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;

/** What {@code weights}, {@code promote} and {@code rollback} share: the optional fields and the answer. */
final class CtlChange {
  private CtlChange() {}

  static void common(ObjectNode body, String reason, Long ifRevision) {
    if (reason != null) {
      body.put("reason", reason);
    }
    if (ifRevision != null) {
      body.put("if_revision", ifRevision);
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
