package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The body of {@code POST …/aliases/{alias}/promote}: {@code {"version":"v8","reason":"…"}} sends
 * 100 % to that version, which becomes stable; {@code if_revision} guards it like a weight change.
 */
public record PromoteRequest(
    @Required @JsonPropertyDescription("the version id to send 100 % of the alias to, e.g. v8") String version,
    String reason,
    @JsonPropertyDescription(Ranges.REVISION) Long ifRevision) {

  public PromoteRequest {
    if (ifRevision != null) {
      Ranges.check("if_revision", ifRevision, 0, Ranges.REVISION);
    }
  }
}
