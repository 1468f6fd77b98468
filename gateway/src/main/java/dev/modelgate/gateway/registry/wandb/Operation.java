package dev.modelgate.gateway.registry.wandb;

/**
 * The GraphQL operations the client sends, named as the {@code wandb} SDK names them (wandb/wandb at
 * b6e29505884ea60c79ca12091f1f75bd39d2f955). Each selects only the fields the gateway reads; the root
 * fields, arguments and variables are the SDK's, so a server that answers the SDK answers these.
 */
enum Operation {
  /** Who the API key belongs to: {@code wandb/apis/_generated/operations.py} GET_DEFAULT_ENTITY_GQL, which {@code Api.default_entity} sends. */
  GET_DEFAULT_ENTITY("GetDefaultEntity", """
      query GetDefaultEntity {
        viewer {
          id
          entity
        }
      }
      """),

  /**
   * The organizations an entity belongs to, to turn a Registry path's organization into its entity:
   * {@code tools/graphql_codegen/artifacts/misc.graphql} FetchOrgInfoFromEntity, sent by
   * {@code wandb/sdk/artifacts/_gqlutils.py} {@code org_info_from_entity}.
   */
  FETCH_ORG_INFO_FROM_ENTITY("FetchOrgInfoFromEntity", """
      query FetchOrgInfoFromEntity($entity: String!) {
        entity(name: $entity) {
          organization {
            ...OrgInfoFragment
          }
          user {
            organizations {
              ...OrgInfoFragment
            }
          }
        }
      }

      fragment OrgInfoFragment on Organization {
        name
        orgEntity {
          name
        }
      }
      """),

  /**
   * A collection's version by alias or by {@code vN}: {@code tools/graphql_codegen/artifacts/artifacts.graphql}
   * ArtifactMembershipByName, sent by {@code wandb/sdk/artifacts/artifact.py} {@code Artifact._from_name}
   * (what {@code wandb.Api().artifact("entity/project/collection:alias")} does). The membership's
   * {@code versionIndex} and aliases are the collection's own; {@code artifact} is the linked source
   * version. {@code createdBy} is the SDK's ArtifactCreatedBy selection, asked in the same round trip.
   */
  ARTIFACT_MEMBERSHIP_BY_NAME("ArtifactMembershipByName", """
      query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!) {
        project(name: $project, entityName: $entity) {
          artifactCollectionMembership(name: $name) {
            versionIndex
            aliases {
              alias
            }
            artifactCollection {
              ...CollectionInfo
            }
            artifact {
              id
              versionIndex
              artifactSequence {
                ...CollectionInfo
              }
              metadata
              digest
              createdAt
              tags {
                name
              }
              createdBy {
                __typename
                ... on Run {
                  name
                  project {
                    ...ProjectInfo
                  }
                }
              }
            }
          }
        }
      }

      fragment CollectionInfo on ArtifactCollection {
        name
        project {
          ...ProjectInfo
        }
      }

      fragment ProjectInfo on Project {
        name
        entity {
          name
        }
      }
      """),

  /**
   * Tags added and deleted on a version: {@code artifacts.graphql} UpdateArtifact with
   * {@code UpdateArtifactInput.tagsToAdd/tagsToDelete: [{tagName}]}, as {@code Artifact._update} sends
   * it (the other inputs left out, so nothing else changes).
   */
  UPDATE_ARTIFACT("UpdateArtifact", """
      mutation UpdateArtifact($input: UpdateArtifactInput!) {
        result: updateArtifact(input: $input) {
          artifact {
            id
            tags {
              name
            }
          }
        }
      }
      """),

  /**
   * An alias added to a version, moving it off any other in the collection: {@code artifacts.graphql}
   * AddAliases with {@code AddAliasesInput {artifactID, aliases: [ArtifactCollectionAliasInput]}}, as
   * {@code Artifact._add_aliases} sends it.
   */
  ADD_ALIASES("AddAliases", """
      mutation AddAliases($input: AddAliasesInput!) {
        result: addAliases(input: $input) {
          success
        }
      }
      """);

  private final String operationName;
  private final String text;

  Operation(String operationName, String text) {
    this.operationName = operationName;
    this.text = text;
  }

  String operationName() {
    return operationName;
  }

  String text() {
    return text;
  }
}
