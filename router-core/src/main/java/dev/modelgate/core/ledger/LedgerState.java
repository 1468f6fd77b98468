package dev.modelgate.core.ledger;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the gateway derives from the ledger up to one {@code seq}, so that a snapshot of it
 * plus the events after it rebuilds exactly what replaying every event would: the registry (bucket
 * layouts included), each model as the config file last declared it (what the next declaration is
 * compared with), and each alias's last {@code auto_rollback} (all {@link
 * dev.modelgate.core.rollout.GuardMemory} needs from the history: its cooldowns).
 *
 * @param seq the last event folded in, 0 for none
 * @param registry the fold of events 1 to {@code seq}
 * @param declared {@link RegistryFold#lastDeclared} of those events
 * @param autoRollbacks the last {@code auto_rollback} event of each alias, in seq order
 */
public record LedgerState(long seq, Registry registry, Map<String, Model> declared, List<AuditEvent> autoRollbacks) {
  public static final LedgerState EMPTY = new LedgerState(0, Registry.EMPTY, Map.of(), List.of());

  public LedgerState {
    if (seq < 0) {
      throw new IllegalArgumentException("seq: " + seq + " (expected: 0 or more)");
    }
    requireNonNull(registry, "registry");
    declared = Map.copyOf(declared);
    autoRollbacks = List.copyOf(autoRollbacks);
  }

  /**
   * The state after {@code events}, which must be seq {@code seq() + 1}, {@code seq() + 2}, … in order.
   *
   * @throws RefusedEventException for the first event out of sequence or that does not apply
   */
  public LedgerState applyAll(List<AuditEvent> events) {
    requireNonNull(events, "events");
    if (events.isEmpty()) {
      return this;
    }
    List<AuditEvent> rollbacks = null;
    long expected = seq + 1;
    for (AuditEvent event : events) {
      if (event.seq() != expected) {
        throw new RefusedEventException(event, List.of("out of sequence (expected: seq " + expected + ")"));
      }
      expected++;
      if (event.action() == Action.AUTO_ROLLBACK) {
        rollbacks = rollbacks == null ? new ArrayList<>(autoRollbacks) : rollbacks;
        rollbacks.removeIf(earlier -> earlier.model().equals(event.model()) && earlier.alias().equals(event.alias()));
        rollbacks.add(event);
      }
    }
    Registry next = RegistryFold.applyAll(registry, events, declared);
    return new LedgerState(expected - 1, next, RegistryFold.lastDeclared(declared, events), rollbacks == null ? autoRollbacks : rollbacks);
  }
}
