package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * What the decider remembers about one alias between evaluations.
 *
 * @param consecutiveBreaches version → failing evaluations in a row; versions without a run are absent
 * @param lastRollbackNanos ticker time of the last rollback, or {@code null} for none
 * @param restoredAtNanos ticker time at which these runs were brought back after a restart (see
 *     {@link GuardMemory#restore}), or {@code null}: for one {@code window} after it the windows
 *     are still filling again, so an evaluation with too few requests to judge a version keeps that
 *     version's run instead of ending it
 */
public record RolloutState(Map<String, Integer> consecutiveBreaches, Long lastRollbackNanos, Long restoredAtNanos) {

  public static final RolloutState INITIAL = new RolloutState(Map.of(), null);

  public RolloutState {
    consecutiveBreaches = Map.copyOf(requireNonNull(consecutiveBreaches, "consecutiveBreaches"));
  }

  /** A state of this process's own evaluations, nothing restored. */
  public RolloutState(Map<String, Integer> consecutiveBreaches, Long lastRollbackNanos) {
    this(consecutiveBreaches, lastRollbackNanos, null);
  }

  public int consecutiveBreaches(String version) {
    return consecutiveBreaches.getOrDefault(version, 0);
  }
}
