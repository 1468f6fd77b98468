package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The rollout moves: the caller applies {@link Rollout#weights()} of {@link #next} to the alias when
 * they changed, then records the audit event {@link Kind#action()}.
 *
 * @param reason what happened and on which figures, for the audit event and the log
 * @param evidence for {@link Kind#ROLLED_BACK} the breach, as the {@code auto_rollback} event carries
 *     it; empty for every other kind
 */
public record Transition(Kind kind, Rollout next, String reason, List<Evidence> evidence) implements RolloutOutcome {

  /** Every way a rollout moves, with the audit action that records it. */
  public enum Kind {
    STARTED("rollout_started"),
    /** The gate passed and the next phase or step started. */
    ADVANCED("rollout_advanced"),
    /** The gate passed and the next step waits for an approval: recorded as an advance to that gate. */
    AWAITING_APPROVAL("rollout_advanced"),
    PAUSED("rollout_paused"),
    RESUMED("rollout_resumed"),
    /** An operator approved the next step, which started. */
    APPROVED("rollout_approved"),
    COMPLETED("rollout_completed"),
    ABORTED("rollout_aborted"),
    ROLLED_BACK("auto_rollback");

    private final String action;

    Kind(String action) {
      this.action = action;
    }

    /** The audit event's {@code action} (docs/admin-api.md). */
    public String action() {
      return action;
    }
  }

  public Transition {
    requireNonNull(kind, "kind");
    requireNonNull(next, "next");
    requireNonNull(reason, "reason");
    evidence = List.copyOf(evidence);
    if ((kind == Kind.ROLLED_BACK) == evidence.isEmpty()) {
      throw new IllegalArgumentException("evidence: " + evidence.size() + " entries for " + kind + " (expected: evidence exactly for a rollback)");
    }
  }
}
