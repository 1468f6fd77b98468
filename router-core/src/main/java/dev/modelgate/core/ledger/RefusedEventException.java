package dev.modelgate.core.ledger;

import java.util.List;

/**
 * An event the fold cannot apply to the state it meets. The message names the event by its
 * {@code seq}, action and target, then each problem (registry rule violations keep their
 * {@code models.…} path).
 */
public final class RefusedEventException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final long seq;
  private final transient List<String> problems;

  RefusedEventException(AuditEvent event, List<String> problems) {
    super(describe(event) + " refused: " + (problems.size() == 1 ? problems.get(0) : "\n  - " + String.join("\n  - ", problems)));
    this.seq = event.seq();
    this.problems = List.copyOf(problems);
  }

  public long seq() {
    return seq;
  }

  public List<String> problems() {
    return problems;
  }

  static String describe(AuditEvent event) {
    return "event seq " + event.seq() + " (" + event.action() + " " + event.model() + (event.alias() == null ? "" : ":" + event.alias()) + ")";
  }
}
