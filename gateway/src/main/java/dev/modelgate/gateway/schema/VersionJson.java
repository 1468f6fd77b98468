package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.modelgate.core.registry.ModelVersion;
import java.util.List;
import java.util.Map;

/**
 * A version: the body of {@code POST …/versions} and its answer, the {@code after} of a
 * {@code register_version} event (all with its id under {@code version}), and an entry of a model's
 * {@code versions} (under its id, so without {@code version}). {@code api_key_env}, {@code lineage}
 * and {@code health_check} are optional; lineage is always written.
 */
public record VersionJson(
    @JsonPropertyDescription("a version id such as v9") String version,
    @Required String artifact,
    @Required String servedModel,
    @Required @JsonPropertyDescription("a list of base URLs such as [\"http://127.0.0.1:8000\"]") List<String> endpoints,
    String apiKeyEnv,
    Map<String, Object> lineage,
    HealthCheckJson healthCheck) {

  public VersionJson {
    lineage = lineage == null ? Map.of() : lineage;
  }

  /** {@code version} with its id, as registered and as the admin API shows it. */
  public static VersionJson of(ModelVersion version) {
    return of(version, version.id());
  }

  private static VersionJson of(ModelVersion v, String id) {
    return new VersionJson(id, v.artifact(), v.servedModel(), v.endpoints(), v.apiKeyEnv(), v.lineage(), HealthCheckJson.of(v.healthCheck()));
  }

  /** {@code version} under its id in a model's {@code versions}. */
  static VersionJson entry(ModelVersion version) {
    return of(version, null);
  }

  /** The version this document registers; it must name its id. */
  public ModelVersion toVersion() {
    if (version == null) {
      throw new SchemaException("version", "missing (expected: a version id such as v9)");
    }
    return build(version);
  }

  /** The version under {@code id} in a model's {@code versions}, where the id is the key. */
  ModelVersion toVersion(String id) {
    if (version != null) {
      throw new SchemaException("version", "unknown key (the id is the key this version is under)");
    }
    return build(id);
  }

  private ModelVersion build(String id) {
    return new ModelVersion(id, artifact, servedModel, endpoints, apiKeyEnv, lineage, healthCheck == null ? null : healthCheck.toHealthCheck());
  }
}
