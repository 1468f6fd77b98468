package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.StickyKey;
import java.util.Map;

/** An alias in a model's {@code aliases}, under its name: its state and its policy. */
public record AliasJson(
    @Required Map<String, Integer> weights,
    @Required String stable,
    @Required @JsonPropertyDescription(Ranges.REVISION) Long revision,
    StickyKey sticky,
    SloJson slo) {

  public AliasJson {
    Ranges.weights(weights);
    Ranges.check("revision", revision, 0, Ranges.REVISION);
  }

  static AliasJson of(Alias a) {
    return new AliasJson(a.weights(), a.stable(), a.revision(), a.sticky(), SloJson.of(a.slo()));
  }

  Alias toAlias(String name) {
    return new Alias(name, weights, stable, revision, slo == null ? null : slo.toPolicy(), sticky);
  }
}
