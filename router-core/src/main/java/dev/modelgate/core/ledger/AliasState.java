package dev.modelgate.core.ledger;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.registry.Alias;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The part of an alias that runtime changes move: its weights, its stable version and the revision
 * that counts those moves. Policy ({@code slo}, {@code sticky}) comes from the config file only.
 */
public record AliasState(Map<String, Integer> weights, String stable, long revision) {

  public AliasState {
    requireNonNull(weights, "weights");
    requireNonNull(stable, "stable");
    weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
  }

  public static AliasState of(Alias alias) {
    return new AliasState(alias.weights(), alias.stable(), alias.revision());
  }

  /** The next state sending 100 % to {@code version}, which becomes stable (promote, rollback). */
  public AliasState allOn(String version) {
    return new AliasState(Map.of(version, 100), version, revision + 1);
  }

  /** The same routing: weights (order ignored) and stable, whatever the revisions. */
  boolean sameRouting(AliasState other) {
    return weights.equals(other.weights) && stable.equals(other.stable);
  }
}
