package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The body of {@code POST …/aliases/{alias}/rollback}: {@code {"reason":"…"}} sends 100 % to stable; every key is optional. */
public record RollbackRequest(String reason, @JsonPropertyDescription(Ranges.REVISION) Long ifRevision) {

  public RollbackRequest {
    if (ifRevision != null) {
      Ranges.check("if_revision", ifRevision, 0, Ranges.REVISION);
    }
  }
}
