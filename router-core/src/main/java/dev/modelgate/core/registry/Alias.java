package dev.modelgate.core.registry;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.slo.SloPolicy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A movable name that routes to one or more versions by integer weights summing to 100.
 *
 * @param name {@code production}, {@code staging}, …
 * @param weights version id → weight, in declaration order
 * @param stable the version a rollback sends 100 % to
 * @param revision increases by one on every change
 * @param slo the SLO policy guarding non-stable versions, or {@code null} for none
 * @param sticky where the sticky key is read from, or {@code null} for a fresh pick per request
 */
public record Alias(String name, Map<String, Integer> weights, String stable, long revision, SloPolicy slo, StickyKey sticky) {

  public Alias {
    requireNonNull(name, "name");
    requireNonNull(stable, "stable");
    weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
  }

  public Alias withWeights(Map<String, Integer> newWeights, String newStable) {
    return new Alias(name, newWeights, newStable, revision + 1, slo, sticky);
  }
}
