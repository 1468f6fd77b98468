package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;

/**
 * An alias's runs of failing evaluations as the SLO guard last saved them (see {@link GuardMemory}).
 *
 * @param seenAt wall-clock time of the evaluation that left these runs
 * @param runs version → failing evaluations in a row; empty when no version has a run
 */
public record BreachRuns(String model, String alias, Instant seenAt, Map<String, Integer> runs) {

  public BreachRuns {
    requireNonNull(model, "model");
    requireNonNull(alias, "alias");
    requireNonNull(seenAt, "seenAt");
    runs = Map.copyOf(requireNonNull(runs, "runs"));
    for (Map.Entry<String, Integer> run : runs.entrySet()) {
      if (run.getValue() < 1) {
        throw new IllegalArgumentException("runs." + run.getKey() + ": " + run.getValue() + " (expected: 1 or more)");
      }
    }
  }
}
