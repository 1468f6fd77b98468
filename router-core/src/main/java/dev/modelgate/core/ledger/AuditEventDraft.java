package dev.modelgate.core.ledger;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.PlainValues;
import java.time.Instant;
import java.util.Map;

/**
 * An {@link AuditEvent} before a ledger has given it its {@code seq}: what a writer hands to
 * {@code append}. The same checks as the event's apply, so a draft that exists can be appended.
 */
public record AuditEventDraft(
    Instant time,
    String actor,
    Action action,
    String model,
    String alias,
    Change change,
    String reason,
    Map<String, Object> evidence) {

  public AuditEventDraft {
    requireNonNull(time, "time");
    requireNonNull(actor, "actor");
    requireNonNull(action, "action");
    requireNonNull(model, "model");
    requireNonNull(change, "change");
    evidence = evidence == null ? Map.of() : PlainValues.copyObject(evidence, "evidence");
    AuditEvent.checkShape(action, model, alias, change, evidence);
  }

  public AuditEvent withSeq(long seq) {
    return new AuditEvent(seq, time, actor, action, model, alias, change, reason, evidence);
  }
}
