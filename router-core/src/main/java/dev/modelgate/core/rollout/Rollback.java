package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Set the alias to 100 % stable in one change.
 *
 * @param evidence one entry per version that reached {@code breaches_to_revert} in this
 *     evaluation, in the alias's declaration order; one change rolls them all back
 */
public record Rollback(List<Evidence> evidence, RolloutState next) implements Decision {

  public Rollback {
    evidence = List.copyOf(evidence);
    requireNonNull(next, "next");
    if (evidence.isEmpty()) {
      throw new IllegalArgumentException("evidence: [] (expected: at least one breaching version)");
    }
  }

  /** The first breaching version, for a one-line log. */
  public String version() {
    return evidence.get(0).version();
  }
}
