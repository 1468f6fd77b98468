package dev.modelgate.gateway.registry;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.PlainValues;
import java.util.Map;

/**
 * A version as its registry describes it.
 *
 * @param number the registry's own number for it (MLflow's version; in a W&B Registry collection the
 *     membership's {@code versionIndex}, not the linked source artifact's); it becomes {@code v<number>}
 * @param artifact the registry's URI for it ({@code wandb-artifact://…}, {@code models:/name/N})
 * @param lineage provenance (run id, source or commit, dataset, metrics, tags) as {@link PlainValues}
 * @param metadata the version's metadata (W&B) or tags (MLflow) as text: the serving template's
 *     {@code {metadata.KEY}} and the {@code modelgate.endpoints} / {@code modelgate.served_model} overrides
 */
public record RegistryVersion(long number, String artifact, Map<String, Object> lineage, Map<String, String> metadata) {

  public RegistryVersion {
    if (number < 0) {
      throw new IllegalArgumentException("number: " + number + " (expected: 0 or more)");
    }
    requireNonNull(artifact, "artifact");
    lineage = lineage == null ? Map.of() : PlainValues.copyObject(lineage, "lineage");
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
