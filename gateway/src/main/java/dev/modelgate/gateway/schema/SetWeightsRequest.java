package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/**
 * The body of {@code PUT /admin/v1/models/{model}/aliases/{alias}}:
 * {@code {"weights":{"v7":90,"v8":10},"stable":"v7","reason":"…","if_revision":12}}. Whether the
 * weights sum to 100 and name known versions is the registry rules' to judge (a 422), not the shape's.
 */
public record SetWeightsRequest(
    @Required @JsonPropertyDescription(SetWeightsRequest.WEIGHTS) Map<String, Integer> weights,
    String stable,
    String reason,
    @JsonPropertyDescription(Ranges.REVISION) Long ifRevision) {

  static final String WEIGHTS = "an object of version to integer weight summing to 100, e.g. {\"v7\":90,\"v8\":10}";

  public SetWeightsRequest {
    if (weights.isEmpty()) {
      throw new SchemaException("weights", "is empty (expected: " + WEIGHTS + ")");
    }
    if (ifRevision != null) {
      Ranges.check("if_revision", ifRevision, 0, Ranges.REVISION);
    }
  }
}
