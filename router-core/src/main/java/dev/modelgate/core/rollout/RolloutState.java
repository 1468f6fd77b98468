package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * What the decider remembers about one alias between evaluations.
 *
 * @param consecutiveBreaches version → failing evaluations in a row; versions without a run are absent
 * @param lastRollbackNanos ticker time of the last rollback, or {@code null} for none
 */
public record RolloutState(Map<String, Integer> consecutiveBreaches, Long lastRollbackNanos) {

  public static final RolloutState INITIAL = new RolloutState(Map.of(), null);

  public RolloutState {
    consecutiveBreaches = Map.copyOf(requireNonNull(consecutiveBreaches, "consecutiveBreaches"));
  }

  public int consecutiveBreaches(String version) {
    return consecutiveBreaches.getOrDefault(version, 0);
  }
}
