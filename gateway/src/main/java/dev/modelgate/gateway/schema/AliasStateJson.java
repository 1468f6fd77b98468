package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.modelgate.core.ledger.AliasState;
import java.util.Map;

/**
 * {@code {"weights":{"v7":90,"v8":10},"stable":"v7","revision":2}}: the before/after of an alias
 * move, with the alias's {@code rollout} ({@link RolloutJson}) when it has one.
 */
public record AliasStateJson(
    @Required Map<String, Integer> weights,
    @Required String stable,
    @Required @JsonPropertyDescription(Ranges.REVISION) Long revision,
    RolloutJson rollout) {

  public AliasStateJson {
    Ranges.weights(weights);
    Ranges.check("revision", revision, 0, Ranges.REVISION);
  }

  static AliasStateJson of(AliasState state) {
    return state == null ? null : new AliasStateJson(state.weights(), state.stable(), state.revision(), RolloutJson.of(state.rollout()));
  }

  AliasState toState() {
    if (rollout == null) {
      return new AliasState(weights, stable, revision);
    }
    try {
      return new AliasState(weights, stable, revision, rollout.toRollout());
    } catch (SchemaException e) {
      throw e.under("rollout");
    }
  }
}
