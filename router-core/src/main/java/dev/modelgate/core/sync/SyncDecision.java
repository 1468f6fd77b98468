package dev.modelgate.core.sync;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.ledger.AuditEventDraft;
import java.util.List;

/**
 * What one reconcile decided: the events to record, in order, as one batch — none when this side
 * already agrees with the registry — and what it found, for the sync's status and log.
 */
public record SyncDecision(List<AuditEventDraft> drafts, String summary) {
  public SyncDecision {
    drafts = List.copyOf(drafts);
    requireNonNull(summary, "summary");
  }

  /** Whether there is nothing to record. */
  public boolean inSync() {
    return drafts.isEmpty();
  }
}
