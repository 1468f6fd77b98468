package dev.modelgate.core.registry;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.split.BucketLayout;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A movable name that routes to one or more versions by integer weights summing to 100.
 *
 * <p>The bucket layout is derived from the alias's history (see {@link BucketLayout}): the
 * constructor moves the layout it is given to {@code weights}, so it always gives each version
 * exactly its weight. It is not part of the alias's identity — {@link #equals} and
 * {@link #hashCode} ignore it — because two aliases routing the same weights are the same
 * configuration, and the ledger and the config file never carry a layout.
 *
 * @param name {@code production}, {@code staging}, …
 * @param weights version id → weight, in declaration order
 * @param stable the version a rollback sends 100 % to
 * @param revision increases by one on every change
 * @param slo the SLO policy guarding non-stable versions, or {@code null} for none
 * @param sticky where the sticky key is read from, or {@code null} for a fresh pick per request
 * @param layout which version owns each bucket; given the previous alias's layout (or {@code null}
 *     for a new alias, which starts contiguous); {@code null} only while the weights break the
 *     rules ({@link RegistryRules} reports them)
 * @param rollout the alias's latest rollout, as the ledger recorded it, or {@code null} for none;
 *     runtime state like the weights, never declared by the config file
 */
public record Alias(String name, Map<String, Integer> weights, String stable, long revision, SloPolicy slo, StickyKey sticky,
    BucketLayout layout, Rollout rollout) {

  public Alias {
    requireNonNull(name, "name");
    requireNonNull(stable, "stable");
    weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    if (!BucketLayout.fits(weights)) {
      layout = null;
    } else {
      layout = layout == null ? BucketLayout.contiguous(weights) : layout.moveTo(weights);
    }
  }

  /** An alias without a rollout. */
  public Alias(String name, Map<String, Integer> weights, String stable, long revision, SloPolicy slo, StickyKey sticky,
      BucketLayout layout) {
    this(name, weights, stable, revision, slo, sticky, layout, null);
  }

  /** A new alias: its buckets are laid out contiguously. */
  public Alias(String name, Map<String, Integer> weights, String stable, long revision, SloPolicy slo, StickyKey sticky) {
    this(name, weights, stable, revision, slo, sticky, null);
  }

  /**
   * A followed alias the config file declares without weights (docs/registry-sync.md): its policy
   * only, until the registry's first sync gives it a version. The fold never lets it into the live
   * registry; a {@code registry_synced} event creates the alias with this policy instead.
   */
  public static Alias awaitingSync(String name, SloPolicy slo, StickyKey sticky) {
    return new Alias(name, Map.of(), "", 0, slo, sticky);
  }

  /** Whether this is an {@link #awaitingSync} declaration rather than an alias that routes. */
  public boolean awaitsSync() {
    return weights.isEmpty() && stable.isEmpty();
  }

  /** This alias at its next revision, its layout moved to {@code newWeights}, with {@code newRollout}. */
  public Alias moved(Map<String, Integer> newWeights, String newStable, Rollout newRollout) {
    return new Alias(name, newWeights, newStable, revision + 1, slo, sticky, layout, newRollout);
  }

  /** This alias at its next revision, its layout moved to {@code newWeights}. */
  public Alias withWeights(Map<String, Integer> newWeights, String newStable) {
    return moved(newWeights, newStable, rollout);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Alias other && revision == other.revision && name.equals(other.name) && weights.equals(other.weights)
        && stable.equals(other.stable) && Objects.equals(slo, other.slo) && Objects.equals(sticky, other.sticky)
        && Objects.equals(rollout, other.rollout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, weights, stable, revision, slo, sticky, rollout);
  }
}
