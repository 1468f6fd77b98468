package dev.modelgate.gateway.state;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import java.nio.file.Path;

/**
 * Run by {@link FileLedgerCrashTest} in its own JVM: appends alias moves forever and prints
 * {@code ack <seq>} after each append returns, until it is killed.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    try (FileLedger ledger = FileLedger.open(Path.of(args[0]))) {
      ledger.append(LedgerEvents.config(0, null, LedgerEvents.declared()));
      AliasState current = LedgerEvents.state("v7", 1, "v7", 90, "v8", 10);
      while (true) {
        int canary = (int) ((current.revision() + 1) % 100);
        AliasState next = LedgerEvents.state("v7", current.revision() + 1, "v7", 100 - canary, "v8", canary);
        AuditEvent event = ledger.append(LedgerEvents.move(1, Action.SET_WEIGHTS, "production", current, next, "crash test"));
        current = next;
        System.out.println("ack " + event.seq());
        System.out.flush();
      }
    }
  }
}
