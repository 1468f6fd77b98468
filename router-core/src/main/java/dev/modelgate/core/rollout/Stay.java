package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

/**
 * The rollout stays where it is; {@link #next} differs from the one judged only in its breach run,
 * which the caller keeps for the next evaluation.
 *
 * @param reason why it holds, for the status view and the log
 */
public record Stay(Rollout next, Verdict verdict, String reason) implements RolloutOutcome {

  public Stay {
    requireNonNull(next, "next");
    requireNonNull(verdict, "verdict");
    requireNonNull(reason, "reason");
  }
}
