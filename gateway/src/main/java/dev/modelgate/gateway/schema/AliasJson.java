package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.rollout.Rollout;
import java.util.Map;

/**
 * An alias in a model's {@code aliases}, under its name: its state, its policy, and its latest
 * rollout when it has had one (config files never declare one; snapshots keep it).
 */
public record AliasJson(
    @Required Map<String, Integer> weights,
    @Required String stable,
    @Required @JsonPropertyDescription(Ranges.REVISION) Long revision,
    StickyKey sticky,
    SloJson slo,
    RolloutJson rollout) {

  public AliasJson {
    Ranges.weights(weights);
    Ranges.check("revision", revision, 0, Ranges.REVISION);
  }

  static AliasJson of(Alias a) {
    return new AliasJson(a.weights(), a.stable(), a.revision(), a.sticky(), SloJson.of(a.slo()), RolloutJson.of(a.rollout()));
  }

  Alias toAlias(String name) {
    Rollout latest;
    try {
      latest = rollout == null ? null : rollout.toRollout();
    } catch (SchemaException e) {
      throw e.under("rollout");
    }
    return new Alias(name, weights, stable, revision, slo == null ? null : slo.toPolicy(), sticky, null, latest);
  }
}
