package dev.modelgate.core.registry;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.PlainValues;
import java.util.List;
import java.util.Map;

/**
 * One immutable, registered version of a model.
 *
 * @param id {@code v1}, {@code v2}, …
 * @param artifact URI of the exact binary that serves it
 * @param servedModel the name the backend knows it by; replaces the client's {@code model}
 * @param endpoints base URLs of OpenAI-compatible servers
 * @param apiKeyEnv environment variable holding the backend's key, or {@code null} for none
 * @param lineage free provenance metadata (base model, dataset, commit, evals), as {@link PlainValues}
 * @param healthCheck active health check, or {@code null} for none
 */
public record ModelVersion(
    String id,
    String artifact,
    String servedModel,
    List<String> endpoints,
    String apiKeyEnv,
    Map<String, Object> lineage,
    HealthCheck healthCheck) {

  public ModelVersion {
    requireNonNull(id, "id");
    requireNonNull(artifact, "artifact");
    requireNonNull(servedModel, "servedModel");
    endpoints = List.copyOf(endpoints);
    lineage = lineage == null ? Map.of() : PlainValues.copyObject(lineage, "lineage");
  }
}
