package dev.modelgate.core.ledger;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.rollout.Rollout;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The part of an alias that runtime changes move: its weights, its stable version, the revision
 * that counts those moves, and its latest rollout. Policy ({@code slo}, {@code sticky}) comes from
 * the config file only.
 *
 * @param rollout the alias's latest rollout, or {@code null} for none; a rollout event's
 *     {@code after} carries it together with the weights it implies, so the two never disagree
 */
public record AliasState(Map<String, Integer> weights, String stable, long revision, Rollout rollout) {

  public AliasState {
    requireNonNull(weights, "weights");
    requireNonNull(stable, "stable");
    weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
  }

  /** A state without a rollout. */
  public AliasState(Map<String, Integer> weights, String stable, long revision) {
    this(weights, stable, revision, null);
  }

  public static AliasState of(Alias alias) {
    return new AliasState(alias.weights(), alias.stable(), alias.revision(), alias.rollout());
  }

  /** The next state sending 100 % to {@code version}, which becomes stable (promote, rollback). */
  public AliasState allOn(String version) {
    return new AliasState(Map.of(version, 100), version, revision + 1);
  }

  /**
   * The next state {@code next} implies: its weights (versions at 0 % left out) and stable, one
   * revision on.
   */
  public AliasState with(Rollout next) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    next.weights().forEach((version, weight) -> {
      if (weight > 0) {
        weights.put(version, weight);
      }
    });
    return new AliasState(weights, next.stable(), revision + 1, next);
  }

  /** Whether a rollout is under way on this alias: started and not yet over. */
  public boolean rollingOut() {
    return rollout != null && !rollout.status().isTerminal();
  }

  /** The same routing: weights (order ignored) and stable, whatever the revisions. */
  boolean sameRouting(AliasState other) {
    return weights.equals(other.weights) && stable.equals(other.stable);
  }
}
