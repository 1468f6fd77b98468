package dev.modelgate.gateway.registry.wandb;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The answers to {@link Operation}s, one record per selection; a key the selection did not ask for is
 * refused as a shape the server should not have sent. Only the envelope and an error entry take
 * unknown keys: GraphQL lets servers add {@code extensions}, {@code locations} and {@code path} there.
 */
final class Shapes {
  private Shapes() {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Envelope<T>(T data, List<GraphqlError> errors) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record GraphqlError(String message) {}

  record DefaultEntityData(Viewer viewer) {}

  record Viewer(String id, String entity) {}

  record OrgInfoData(OrgEntity entity) {}

  record OrgEntity(Organization organization, User user) {}

  record User(List<Organization> organizations) {}

  record Organization(String name, Named orgEntity) {}

  record Named(String name) {}

  record MembershipData(ProjectMembership project) {}

  record ProjectMembership(Membership artifactCollectionMembership) {}

  record Membership(Long versionIndex, List<AliasName> aliases, Collection artifactCollection, Artifact artifact) {}

  record AliasName(String alias) {}

  record Collection(String name, ProjectInfo project) {}

  record ProjectInfo(String name, Named entity) {}

  record Artifact(String id, Long versionIndex, Collection artifactSequence, String metadata, String digest, String createdAt,
      List<Named> tags, CreatedBy createdBy) {}

  /** A run, or (when a user logged the artifact by hand) a user without the run's fields. */
  record CreatedBy(@JsonProperty("__typename") String typename, String name, ProjectInfo project) {}

  record UpdateArtifactData(UpdatedArtifact result) {}

  record UpdatedArtifact(Tagged artifact) {}

  record Tagged(String id, List<Named> tags) {}

  record AddAliasesData(Success result) {}

  record Success(Boolean success) {}
}
