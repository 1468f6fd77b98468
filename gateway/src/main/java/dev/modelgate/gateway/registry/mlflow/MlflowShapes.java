package dev.modelgate.gateway.registry.mlflow;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The shapes of MLflow's REST 2.0 model registry answers this client reads, as
 * {@code mlflow/protos/model_registry.proto} (mlflow/mlflow) defines them. Fields the gateway does not
 * use are ignored, so a newer server's additions never break a sync.
 */
final class MlflowShapes {
  private MlflowShapes() {}

  /** {@code GetModelVersionByAlias.Response} and {@code GetModelVersion.Response}: {@code {"model_version": …}}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record VersionAnswer(@JsonProperty("model_version") ModelVersion modelVersion) {}

  /** {@code ModelVersion}; {@code version} is a string of digits on the wire. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record ModelVersion(
      String name,
      String version,
      String source,
      @JsonProperty("run_id") String runId,
      @JsonProperty("run_link") String runLink,
      @JsonProperty("user_id") String userId,
      String description,
      String status,
      List<Tag> tags) {}

  /** {@code ModelVersionTag}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Tag(String key, String value) {}

  /** Every error: {@code {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": …}}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Error(@JsonProperty("error_code") String errorCode, String message) {}
}
