package dev.modelgate.gateway.registry.wandb;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.gateway.registry.RegistryClient;
import dev.modelgate.gateway.registry.RegistryException;
import dev.modelgate.gateway.registry.RegistryHttp;
import dev.modelgate.gateway.registry.RegistryVersion;
import dev.modelgate.gateway.registry.ServingStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Weights & Biases through its public GraphQL API, making the calls the {@code wandb} SDK makes for the
 * same things (wandb/wandb at b6e29505884ea60c79ca12091f1f75bd39d2f955; each {@link Operation} names its
 * source). A path is {@code entity/project/collection}; for a W&B Registry
 * ({@code <organization>/wandb-registry-<registry>/<collection>}) the first part is the organization,
 * by name or by its entity's name, which is turned into the organization's entity the way
 * {@code wandb.Api().artifact} does it: the API key's own entity ({@code GetDefaultEntity}), then that
 * entity's organizations ({@code FetchOrgInfoFromEntity}). That answer is kept for the client's life.
 *
 * <p>The version number is the collection membership's {@code versionIndex}: a Registry collection
 * numbers its own versions, whatever the linked source artifact is numbered in its project. The artifact
 * URI is {@code wandb-artifact://_id/<artifact id>}, the form the SDK's job builder writes and automations
 * send as {@code ${artifact_version}}. The client makes its own {@link WebClient} on the given Vert.x.
 *
 * <p>A path or alias that is not one ({@link #checkPath}, {@link #checkAlias}) fails the call with an
 * {@link IllegalArgumentException} before anything is sent; every other failure is a
 * {@link RegistryException}.
 */
public final class WandbClient implements RegistryClient, AutoCloseable {
  /** Written on a version that serves; W&B tag names allow letters, digits, {@code -}, {@code _} and spaces. */
  public static final String SERVING_TAG = "modelgate-serving";
  /** Written on a version the SLO guard rolled back. */
  public static final String ROLLED_BACK_TAG = "modelgate-rolled-back";

  private static final String REGISTRY_PROJECT_PREFIX = "wandb-registry-";
  private static final String ARTIFACT_URI_PREFIX = "wandb-artifact://_id/";
  // An alias goes into "collection:alias", so neither separator may be in it; W&B caps it at 128 (input_types.py).
  private static final Pattern ALIAS = Pattern.compile("[^/:\\s]{1,128}");

  private final Graphql graphql;
  private final Map<String, String> orgEntities = new ConcurrentHashMap<>();

  /**
   * @param baseUrl the W&B API, e.g. {@code https://api.wandb.ai}; calls go to {@code <baseUrl>/graphql}
   * @param apiKey sent as HTTP Basic {@code api:<key>}, and nowhere else
   */
  public WandbClient(Vertx vertx, RegistryHttp http, String baseUrl, String apiKey) {
    requireNonNull(vertx, "vertx");
    this.graphql = new Graphql(http, WebClient.create(vertx), checkBaseUrl(baseUrl) + "/graphql", apiKey);
  }

  /**
   * Checks a configured path, so a config can be refused before any call is made.
   *
   * @throws IllegalArgumentException {@code path: "x" (expected: …)}
   */
  public static void checkPath(String path) {
    Path.parse(path);
  }

  /**
   * Checks a registry alias's name: it is looked up as {@code collection:alias}.
   *
   * @throws IllegalArgumentException {@code alias: "x" (expected: …)}
   */
  public static void checkAlias(String alias) {
    if (alias == null || !ALIAS.matcher(alias).matches()) {
      throw new IllegalArgumentException("alias: " + (alias == null ? "null" : "\"" + alias + "\"")
          + " (expected: 1 to 128 characters, none of them '/', ':' or a space)");
    }
  }

  /** Releases the client's connections; calls made afterwards fail. */
  @Override
  public void close() {
    graphql.close();
  }

  @Override
  public Future<Optional<RegistryVersion>> aliasTarget(String path, String alias) {
    return Future.<Path>future(p -> {
          checkAlias(alias);
          p.complete(Path.parse(path));
        })
        .compose(this::located)
        .compose(at -> membership(at, alias).compose(found -> found.isEmpty()
            ? Future.succeededFuture(Optional.<RegistryVersion>empty())
            : version(at, found.get()).map(Optional::of)));
  }

  @Override
  public Future<Void> markStatus(String path, long version, ServingStatus status) {
    String add = switch (requireNonNull(status, "status")) {
      case SERVING -> SERVING_TAG;
      case ROLLED_BACK -> ROLLED_BACK_TAG;
    };
    String delete = add.equals(SERVING_TAG) ? ROLLED_BACK_TAG : SERVING_TAG;
    return versionArtifactId(path, version).compose(found -> {
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("artifactID", found.artifactId());
      input.put("tagsToAdd", List.of(Map.of("tagName", add)));
      input.put("tagsToDelete", List.of(Map.of("tagName", delete)));
      return graphql.call(Operation.UPDATE_ARTIFACT, Map.of("input", input), Shapes.UpdateArtifactData.class).compose(data -> {
        List<String> tags = data.result() == null || data.result().artifact() == null || data.result().artifact().tags() == null
            ? null
            : data.result().artifact().tags().stream().map(Shapes.Named::name).toList();
        if (tags == null || !tags.contains(add) || tags.contains(delete)) {
          return Future.failedFuture(graphql.unexpected(Operation.UPDATE_ARTIFACT,
              "the version's tags afterwards are " + tags + " (expected: " + add + " and not " + delete + ")"));
        }
        return Future.<Void>succeededFuture();
      });
    });
  }

  @Override
  public Future<Void> moveAlias(String path, String alias, long version) {
    return Future.<Void>future(p -> {
          checkAlias(alias);
          p.complete();
        })
        .compose(checked -> versionArtifactId(path, version).compose(found -> {
          Map<String, Object> input = new LinkedHashMap<>();
          input.put("artifactID", found.artifactId());
          input.put("aliases", List.of(Map.of(
              "entityName", found.at().entity(),
              "projectName", found.at().project(),
              "artifactCollectionName", found.at().collection(),
              "alias", alias)));
          return graphql.call(Operation.ADD_ALIASES, Map.of("input", input), Shapes.AddAliasesData.class);
        }))
        .compose(data -> data.result() != null && Boolean.TRUE.equals(data.result().success())
            ? Future.<Void>succeededFuture()
            : Future.failedFuture(graphql.unexpected(Operation.ADD_ALIASES, "success is not true")));
  }

  private record Located(Path at, String artifactId) {}

  private Future<Located> versionArtifactId(String path, long version) {
    if (version < 0) {
      return Future.failedFuture(new IllegalArgumentException("version: " + version + " (expected: 0 or more)"));
    }
    return Future.<Path>future(p -> p.complete(Path.parse(path)))
        .compose(this::located)
        .compose(at -> membership(at, "v" + version).compose(found -> {
          if (found.isEmpty()) {
            return Future.failedFuture(graphql.failed(Operation.ARTIFACT_MEMBERSHIP_BY_NAME,
                at + " has no version v" + version));
          }
          Shapes.Artifact artifact = found.get().artifact();
          if (artifact == null || artifact.id() == null) {
            return Future.failedFuture(graphql.unexpected(Operation.ARTIFACT_MEMBERSHIP_BY_NAME, "a membership without its artifact's id"));
          }
          return Future.succeededFuture(new Located(at.as(found.get().artifactCollection()), artifact.id()));
        }));
  }

  /** {@code at} with a Registry path's organization turned into the organization's entity. */
  private Future<Path> located(Path at) {
    if (!at.project().startsWith(REGISTRY_PROJECT_PREFIX) || at.project().equals(REGISTRY_PROJECT_PREFIX)) {
      return Future.succeededFuture(at);
    }
    String known = orgEntities.get(at.entity());
    if (known != null) {
      return Future.succeededFuture(at.withEntity(known));
    }
    return graphql.call(Operation.GET_DEFAULT_ENTITY, Map.of(), Shapes.DefaultEntityData.class)
        .compose(data -> {
          if (data.viewer() == null || data.viewer().entity() == null) {
            return Future.failedFuture(graphql.failed(Operation.GET_DEFAULT_ENTITY, "the API key has no entity of its own to find organizations from"));
          }
          return graphql.call(Operation.FETCH_ORG_INFO_FROM_ENTITY, Map.of("entity", data.viewer().entity()), Shapes.OrgInfoData.class)
              .compose(orgs -> organizationEntity(at.entity(), data.viewer().entity(), orgs));
        })
        .map(orgEntity -> {
          orgEntities.put(at.entity(), orgEntity);
          return at.withEntity(orgEntity);
        });
  }

  // As wandb/sdk/artifacts/_gqlutils.py _resolve_org_info: the entity's own organization, else those of its user.
  private Future<String> organizationEntity(String organization, String viewerEntity, Shapes.OrgInfoData data) {
    Shapes.OrgEntity entity = data.entity();
    List<Shapes.Organization> candidates = new ArrayList<>();
    if (entity != null && entity.organization() != null) {
      candidates.add(entity.organization());
    }
    if (entity != null && entity.user() != null && entity.user().organizations() != null) {
      candidates.addAll(entity.user().organizations());
    }
    List<String> names = new ArrayList<>();
    for (Shapes.Organization org : candidates) {
      if (org == null || org.orgEntity() == null || org.orgEntity().name() == null) {
        continue;
      }
      if (organization.equals(org.name()) || organization.equals(org.orgEntity().name())) {
        return Future.succeededFuture(org.orgEntity().name());
      }
      names.add(org.name() + " (entity " + org.orgEntity().name() + ")");
    }
    return Future.failedFuture(graphql.failed(Operation.FETCH_ORG_INFO_FROM_ENTITY, "no organization named " + organization
        + " among those of the API key's entity " + viewerEntity + ": " + (names.isEmpty() ? "none" : String.join(", ", names))));
  }

  private Future<Optional<Shapes.Membership>> membership(Path at, String aliasOrVersion) {
    return graphql.call(Operation.ARTIFACT_MEMBERSHIP_BY_NAME,
            Map.of("entity", at.entity(), "project", at.project(), "name", at.collection() + ":" + aliasOrVersion),
            Shapes.MembershipData.class)
        .compose(data -> data.project() == null
            ? Future.failedFuture(graphql.failed(Operation.ARTIFACT_MEMBERSHIP_BY_NAME,
                "project " + at.project() + " not found under entity " + at.entity() + " (or the API key may not read it)"))
            : Future.succeededFuture(Optional.ofNullable(data.project().artifactCollectionMembership())));
  }

  private Future<RegistryVersion> version(Path at, Shapes.Membership membership) {
    Shapes.Artifact artifact = membership.artifact();
    if (membership.versionIndex() == null || membership.versionIndex() < 0) {
      return Future.failedFuture(graphql.unexpected(Operation.ARTIFACT_MEMBERSHIP_BY_NAME,
          "versionIndex " + membership.versionIndex() + " (expected: 0 or more)"));
    }
    if (artifact == null || artifact.id() == null || artifact.id().isBlank()) {
      return Future.failedFuture(graphql.unexpected(Operation.ARTIFACT_MEMBERSHIP_BY_NAME, "a membership without its artifact's id"));
    }
    JsonNode metadata;
    try {
      metadata = artifact.metadata() == null || artifact.metadata().isBlank()
          ? Graphql.JSON.createObjectNode()
          : Graphql.JSON.readTree(artifact.metadata());
    } catch (IOException e) {
      return Future.failedFuture(graphql.unexpected(Operation.ARTIFACT_MEMBERSHIP_BY_NAME, "metadata that is not JSON"));
    }
    // None, "" and "null" all mean no metadata to the SDK (_validators.py validate_metadata).
    if (metadata == null || metadata.isNull()) {
      metadata = Graphql.JSON.createObjectNode();
    }
    if (!metadata.isObject()) {
      return Future.failedFuture(graphql.unexpected(Operation.ARTIFACT_MEMBERSHIP_BY_NAME, "metadata that is not a JSON object"));
    }
    long number = membership.versionIndex();
    return Future.succeededFuture(new RegistryVersion(number, ARTIFACT_URI_PREFIX + artifact.id(),
        lineage(at.as(membership.artifactCollection()), number, artifact, metadata), Metadata.text(metadata)));
  }

  /**
   * Where the version came from. The tags modelgate writes are left out, so that writing a status back
   * does not change what a later read calls the version's lineage.
   */
  private static Map<String, Object> lineage(Path at, long number, Shapes.Artifact artifact, JsonNode metadata) {
    Map<String, Object> lineage = new LinkedHashMap<>();
    lineage.put("registry", "wandb");
    lineage.put("wandb_version", at.entity() + "/" + at.project() + "/" + at.collection() + ":v" + number);
    Shapes.Collection source = artifact.artifactSequence();
    if (source != null && source.name() != null && artifact.versionIndex() != null) {
      lineage.put("source", qualified(source.project()) + source.name() + ":v" + artifact.versionIndex());
    }
    Shapes.CreatedBy createdBy = artifact.createdBy();
    if (createdBy != null && "Run".equals(createdBy.typename()) && createdBy.name() != null) {
      lineage.put("run_id", createdBy.name());
      lineage.put("run_path", qualified(createdBy.project()) + createdBy.name());
    }
    if (artifact.digest() != null) {
      lineage.put("digest", artifact.digest());
    }
    if (artifact.createdAt() != null) {
      lineage.put("created_at", artifact.createdAt());
    }
    if (artifact.tags() != null) {
      List<String> tags = artifact.tags().stream()
          .map(Shapes.Named::name)
          .filter(tag -> tag != null && !tag.equals(SERVING_TAG) && !tag.equals(ROLLED_BACK_TAG))
          .toList();
      if (!tags.isEmpty()) {
        lineage.put("tags", tags);
      }
    }
    if (metadata.size() > 0) {
      lineage.put("metadata", Metadata.plain(metadata));
    }
    return lineage;
  }

  private static String qualified(Shapes.ProjectInfo project) {
    return project == null || project.name() == null || project.entity() == null || project.entity().name() == null
        ? ""
        : project.entity().name() + "/" + project.name() + "/";
  }

  private static String checkBaseUrl(String baseUrl) {
    requireNonNull(baseUrl, "baseUrl");
    String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    try {
      URI uri = new URI(trimmed);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
          && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
        return trimmed;
      }
    } catch (URISyntaxException e) {
      // Refused below with the same message as any other bad URL.
    }
    throw new IllegalArgumentException("base_url: \"" + baseUrl + "\" (expected: an http or https URL such as https://api.wandb.ai)");
  }

  /** {@code entity/project/collection}, each part non-empty and free of {@code :}. */
  private record Path(String entity, String project, String collection) {
    private static final Pattern PART = Pattern.compile("[^/:\\s]+");

    static Path parse(String path) {
      String[] parts = path == null ? new String[0] : path.split("/", -1);
      if (parts.length != 3 || !PART.matcher(parts[0]).matches() || !PART.matcher(parts[1]).matches() || !PART.matcher(parts[2]).matches()) {
        throw new IllegalArgumentException("path: " + (path == null ? "null" : "\"" + path + "\"")
            + " (expected: entity/project/collection, e.g. acme/wandb-registry-model/support-agent)");
      }
      return new Path(parts[0], parts[1], parts[2]);
    }

    Path withEntity(String entity) {
      return new Path(entity, project, collection);
    }

    /**
     * Where the server says the collection is, when it says it all: a path may have been redirected (a
     * migrated Model Registry, another letter case), and the SDK then writes there ({@code Artifact._from_membership}).
     */
    Path as(Shapes.Collection actual) {
      if (actual == null || actual.name() == null || actual.project() == null || actual.project().name() == null
          || actual.project().entity() == null || actual.project().entity().name() == null) {
        return this;
      }
      return new Path(actual.project().entity().name(), actual.project().name(), actual.name());
    }

    @Override
    public String toString() {
      return entity + "/" + project + "/" + collection;
    }
  }
}
