package dev.modelgate.gateway.state;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run by {@link FileLedgerCrashTest} in its own JVM: appends alias moves forever and prints
 * {@code ack <seq>} after each append returns, until it is killed. With a second argument N, each
 * append is a batch of N moves ({@link FileLedger#appendAll}).
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    try (FileLedger ledger = FileLedger.open(Path.of(args[0]))) {
      ledger.append(LedgerEvents.config(0, null, LedgerEvents.declared()));
      AliasState current = LedgerEvents.state("v7", 1, "v7", 90, "v8", 10);
      while (true) {
        List<AuditEventDraft> drafts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          int canary = (int) ((current.revision() + 1) % 100);
          AliasState next = LedgerEvents.state("v7", current.revision() + 1, "v7", 100 - canary, "v8", canary);
          drafts.add(LedgerEvents.move(1, Action.SET_WEIGHTS, "production", current, next, "crash test"));
          current = next;
        }
        List<AuditEvent> events = batch == 1 ? List.of(ledger.append(drafts.get(0))) : ledger.appendAll(drafts);
        System.out.println("ack " + events.get(events.size() - 1).seq());
        System.out.flush();
      }
    }
  }
}
