package dev.modelgate.gateway.registry.wandb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * W&B's GraphQL API on a loopback port, for tests: the operations {@link WandbClient} sends, answered in
 * the shapes of W&B's schema as the {@code wandb} SDK reads them (wandb/wandb at b6e2950:
 * {@code tools/graphql_codegen/artifacts/*.graphql} and {@code wandb/sdk/artifacts/_generated/}). It
 * holds collections of versions (a collection's own {@code versionIndex}, aliases unique per collection,
 * metadata as a JSON string, tags), each linked from a source artifact numbered differently in its own
 * project, as in a W&B Registry. Every request is recorded (operation, variables, Authorization header);
 * a request with the wrong Basic credentials gets 401; operations it does not know, variables missing or
 * mistyped, and input fields the schema does not define get GraphQL errors, as a GraphQL server would.
 * Tests can make it fail: {@link #failNext} / {@link #failAlways}, {@link #close} for a registry that is down.
 */
public final class FakeWandb implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  // W&B's tag name rule (input_types.py TagInput.tag_name).
  private static final Pattern TAG_NAME = Pattern.compile("^[-\\w]+( +[-\\w]+)*$");

  /** One request as it arrived. */
  public record Call(String operationName, JsonNode variables, String authorization, String query) {}

  /** How the fake answers while told to fail. */
  public enum Failure {
    /** 401, as W&B answers a key it does not know. */
    UNAUTHORIZED,
    /** 500. */
    SERVER_ERROR,
    /** 200 with an HTML page instead of JSON. */
    GARBAGE,
    /** 200 with {@code {"errors": [{"message": "permission denied …"}], "data": null}}. */
    GRAPHQL_ERRORS,
    /** The right answer, after {@link #slowBy}. */
    SLOW
  }

  /** A version in a collection, and the source artifact it links. */
  public static final class Version {
    final int index;
    final String artifactId;
    final String metadata;
    final int sourceIndex;
    final Set<String> tags = new LinkedHashSet<>();
    final Set<String> aliases = new LinkedHashSet<>();

    Version(int index, String artifactId, String metadata, int sourceIndex) {
      this.index = index;
      this.artifactId = artifactId;
      this.metadata = metadata;
      this.sourceIndex = sourceIndex;
    }

    public int index() {
      return index;
    }

    public String artifactId() {
      return artifactId;
    }

    public int sourceIndex() {
      return sourceIndex;
    }
  }

  private final HttpServer server;
  private final String authorization;
  private final List<Call> calls = new ArrayList<>();
  private final Map<String, List<Version>> collections = new LinkedHashMap<>();
  private final Map<String, String> organizations = new LinkedHashMap<>();
  private final Map<String, String> migrated = new LinkedHashMap<>();
  private String viewerEntity = "mlops-bot";
  private int artifactCounter = 40;
  private Failure failure;
  private int failuresLeft;
  private String failingOperation;
  private Duration slowBy = Duration.ofSeconds(2);

  private FakeWandb(Vertx vertx, String apiKey) {
    this.authorization = "Basic " + Base64.getEncoder().encodeToString(("api:" + apiKey).getBytes(StandardCharsets.UTF_8));
    this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> request.body().onSuccess(body -> answer(vertx, request, body.toString(StandardCharsets.UTF_8))));
  }

  /** Starts a fake that accepts {@code apiKey}. */
  public static FakeWandb start(Vertx vertx, String apiKey) throws Exception {
    FakeWandb fake = new FakeWandb(vertx, apiKey);
    fake.server.listen().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return fake;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Stops answering: the registry is down. */
  @Override
  public void close() {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while closing the fake", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the fake did not close", e);
    }
  }

  // ---- what W&B holds

  /** The API key's own entity, which {@code GetDefaultEntity} answers. */
  public synchronized void viewerEntity(String entity) {
    viewerEntity = entity;
  }

  /** An organization the viewer belongs to: its display name and its entity's name. */
  public synchronized void organization(String name, String entityName) {
    organizations.put(name, entityName);
  }

  /**
   * Links a new version into {@code entity/project/collection} (creating it), numbered after the last,
   * with {@code metadata} (a JSON text, or {@code null}) and {@code aliases} moved onto it.
   */
  public synchronized Version link(String path, String metadata, String... aliases) {
    List<Version> versions = collections.computeIfAbsent(path, p -> new ArrayList<>());
    int counter = ++artifactCounter;
    Version version = new Version(versions.size(), Base64.getEncoder().encodeToString(("Artifact:" + counter).getBytes(StandardCharsets.UTF_8)),
        metadata, counter);
    versions.add(version);
    for (String alias : aliases) {
      moveAlias(path, alias, version.index);
    }
    return version;
  }

  /** Moves {@code alias} to version {@code index}, as someone in the W&B UI would. */
  public synchronized void moveAlias(String path, String alias, int index) {
    List<Version> versions = collections.get(path);
    versions.forEach(v -> v.aliases.remove(alias));
    versions.get(index).aliases.add(alias);
  }

  /**
   * Answers lookups of collection {@code oldPath} with collection {@code newPath}, as W&B does for a Model
   * Registry migrated into a W&B Registry.
   */
  public synchronized void migrated(String oldPath, String newPath) {
    migrated.put(oldPath, newPath);
  }

  /** Adds a tag by hand, as a user would. */
  public synchronized void tag(String path, int index, String tag) {
    collections.get(path).get(index).tags.add(tag);
  }

  public synchronized Set<String> tags(String path, int index) {
    return Set.copyOf(collections.get(path).get(index).tags);
  }

  public synchronized Set<String> aliases(String path, int index) {
    return Set.copyOf(collections.get(path).get(index).aliases);
  }

  /** A webhook delivery as W&B's automation would POST it: the raw body and its {@code X-Wandb-Signature}. */
  public record Delivery(byte[] body, String signature) {}

  /**
   * What an "artifact alias is added" automation with the payload template of docs/registry-sync.md sends
   * when {@code alias} is on version {@code index} of {@code path}, signed with {@code secret}.
   */
  public synchronized Delivery aliasAdded(String secret, String path, String alias, int index) {
    String[] parts = path.split("/");
    Version v = collections.get(path).get(index);
    ObjectNode payload = NODES.objectNode()
        .put("event_type", "ADD_ARTIFACT_ALIAS")
        .put("alias", alias)
        .put("artifact_version", "wandb-artifact://_id/" + v.artifactId)
        .put("artifact_version_string", path + ":v" + v.index)
        .put("artifact_collection_name", parts[2])
        .put("entity_name", parts[0])
        .put("project_name", parts[1]);
    byte[] body = payload.toString().getBytes(StandardCharsets.UTF_8);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return new Delivery(body, Base64.getEncoder().encodeToString(mac.doFinal(body)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- what it was asked, and how it fails

  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  public synchronized List<String> operations() {
    return calls.stream().map(Call::operationName).toList();
  }

  public synchronized void clearCalls() {
    calls.clear();
  }

  /** The next {@code times} requests fail as {@code how}. */
  public synchronized void failNext(Failure how, int times) {
    failure = how;
    failuresLeft = times;
    failingOperation = null;
  }

  /** Every request fails as {@code how} until {@link #recover}. */
  public synchronized void failAlways(Failure how) {
    failNext(how, Integer.MAX_VALUE);
  }

  /** Every request for {@code operationName} fails as {@code how} until {@link #recover}; others are answered. */
  public synchronized void failAlways(Failure how, String operationName) {
    failNext(how, Integer.MAX_VALUE);
    failingOperation = operationName;
  }

  public synchronized void recover() {
    failure = null;
    failuresLeft = 0;
  }

  public synchronized void slowBy(Duration delay) {
    slowBy = delay;
  }

  // ---- answering

  private void answer(Vertx vertx, HttpServerRequest request, String body) {
    Failure now;
    Duration delay;
    String operationName;
    JsonNode parsed;
    try {
      parsed = JSON.readTree(body);
    } catch (Exception e) {
      parsed = null;
    }
    synchronized (this) {
      operationName = parsed != null && parsed.path("operationName").isTextual() ? parsed.get("operationName").asText() : null;
      calls.add(new Call(operationName, parsed == null ? NODES.nullNode() : parsed.path("variables"), request.getHeader("Authorization"),
          parsed == null ? null : parsed.path("query").asText(null)));
      now = failuresLeft > 0 && (failingOperation == null || failingOperation.equals(operationName)) ? failure : null;
      if (now != null) {
        failuresLeft--;
      }
      delay = slowBy;
    }
    if (now == Failure.SLOW) {
      JsonNode request0 = parsed;
      vertx.setTimer(delay.toMillis(), id -> respond(request, request0, null));
    } else {
      respond(request, parsed, now);
    }
  }

  private void respond(HttpServerRequest request, JsonNode parsed, Failure now) {
    if (request.response().closed()) {
      return;
    }
    if (now == Failure.SERVER_ERROR) {
      request.response().setStatusCode(500).end("upstream connect error");
      return;
    }
    if (now == Failure.UNAUTHORIZED || !authorization.equals(request.getHeader("Authorization"))) {
      request.response().setStatusCode(401).putHeader("Content-Type", "application/json")
          .end("{\"errors\":[{\"message\":\"user is not logged in\"}]}");
      return;
    }
    if (now == Failure.GARBAGE) {
      request.response().setStatusCode(200).putHeader("Content-Type", "text/html").end("<html><body>Bad gateway</body></html>");
      return;
    }
    ObjectNode answer;
    if (now == Failure.GRAPHQL_ERRORS) {
      answer = errors("permission denied: the fake was told to fail");
    } else if (parsed == null || !parsed.path("query").isTextual() || !parsed.path("operationName").isTextual()) {
      request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
          .end(errors("Must provide query string.").toString());
      return;
    } else {
      synchronized (this) {
        answer = execute(parsed.get("operationName").asText(), parsed.get("query").asText(), parsed.path("variables"));
      }
    }
    request.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(answer.toString());
  }

  private ObjectNode execute(String operationName, String query, JsonNode variables) {
    String kind = operationName.equals("UpdateArtifact") || operationName.equals("AddAliases") ? "mutation " : "query ";
    if (!Pattern.compile("(?m)^\\s*" + kind + Pattern.quote(operationName) + "\\b").matcher(query).find()) {
      return errors("Unknown operation named \"" + operationName + "\".");
    }
    try {
      return switch (operationName) {
        case "GetDefaultEntity" -> data(NODES.objectNode().set("viewer", NODES.objectNode().put("id", "VXNlcjox").put("entity", viewerEntity)));
        case "FetchOrgInfoFromEntity" -> data(NODES.objectNode().set("entity", orgInfo(string(variables, "entity"))));
        case "ArtifactMembershipByName" -> data(NODES.objectNode().set("project",
            project(string(variables, "entity"), string(variables, "project"), string(variables, "name"))));
        case "UpdateArtifact" -> data(updateArtifact(input(variables, Set.of("artifactID", "tagsToAdd", "tagsToDelete"))));
        case "AddAliases" -> data(addAliases(input(variables, Set.of("artifactID", "aliases"))));
        default -> errors("Cannot query operation \"" + operationName + "\": the fake does not serve it.");
      };
    } catch (GraphqlError e) {
      return errors(e.getMessage());
    }
  }

  private JsonNode orgInfo(String entity) {
    if (entity.equals(viewerEntity)) {
      ArrayNode orgs = NODES.arrayNode();
      organizations.forEach((name, entityName) -> orgs.add(org(name, entityName)));
      return NODES.objectNode().putNull("organization").set("user", NODES.objectNode().set("organizations", orgs));
    }
    for (Map.Entry<String, String> org : organizations.entrySet()) {
      if (org.getValue().equals(entity)) {
        return NODES.objectNode().putNull("user").set("organization", org(org.getKey(), org.getValue()));
      }
    }
    return NODES.nullNode();
  }

  private static ObjectNode org(String name, String entityName) {
    return NODES.objectNode().put("name", name).set("orgEntity", NODES.objectNode().put("name", entityName));
  }

  private JsonNode project(String entity, String project, String name) {
    String prefix = entity + "/" + project + "/";
    if (collections.keySet().stream().noneMatch(path -> path.startsWith(prefix)) && migrated.keySet().stream().noneMatch(path -> path.startsWith(prefix))) {
      return NODES.nullNode();
    }
    int colon = name.indexOf(':');
    if (colon < 1) {
      throw new GraphqlError("artifact name " + name + " must be collection:alias or collection:vN");
    }
    String path = migrated.getOrDefault(prefix + name.substring(0, colon), prefix + name.substring(0, colon));
    String alias = name.substring(colon + 1);
    List<Version> versions = collections.getOrDefault(path, List.of());
    Version found = null;
    for (Version v : versions) {
      if (alias.equals("v" + v.index) || v.aliases.contains(alias)) {
        found = v;
      }
    }
    return NODES.objectNode().set("artifactCollectionMembership", found == null ? NODES.nullNode() : membership(path, found));
  }

  private ObjectNode membership(String path, Version v) {
    String[] parts = path.split("/");
    ArrayNode aliases = NODES.arrayNode();
    v.aliases.forEach(a -> aliases.add(NODES.objectNode().put("alias", a)));
    ArrayNode tags = NODES.arrayNode();
    v.tags.forEach(t -> tags.add(NODES.objectNode().put("name", t)));
    ObjectNode artifact = NODES.objectNode()
        .put("id", v.artifactId)
        .put("versionIndex", v.sourceIndex);
    artifact.set("artifactSequence", collection(parts[2] + "-training", "ml-team", "training"));
    artifact.put("metadata", v.metadata);
    artifact.put("digest", "d41d8cd98f00b204e9800998ecf8427" + v.index);
    artifact.put("createdAt", "2026-11-0" + (1 + v.index % 9) + "T10:00:00");
    artifact.set("tags", tags);
    artifact.set("createdBy", NODES.objectNode().put("__typename", "Run").put("name", "run" + v.sourceIndex)
        .set("project", projectInfo("ml-team", "training")));
    ObjectNode membership = NODES.objectNode().put("versionIndex", v.index);
    membership.set("aliases", aliases);
    membership.set("artifactCollection", collection(parts[2], parts[0], parts[1]));
    membership.set("artifact", artifact);
    return membership;
  }

  private static ObjectNode collection(String name, String entity, String project) {
    return NODES.objectNode().put("name", name).set("project", projectInfo(entity, project));
  }

  private static ObjectNode projectInfo(String entity, String project) {
    return NODES.objectNode().put("name", project).set("entity", NODES.objectNode().put("name", entity));
  }

  private JsonNode updateArtifact(JsonNode input) {
    Version v = byArtifactId(string(input, "artifactID"));
    List<String> add = tagNames(input.path("tagsToAdd"), "tagsToAdd");
    List<String> delete = tagNames(input.path("tagsToDelete"), "tagsToDelete");
    v.tags.addAll(add);
    delete.forEach(v.tags::remove);
    ArrayNode tags = NODES.arrayNode();
    v.tags.forEach(t -> tags.add(NODES.objectNode().put("name", t)));
    return NODES.objectNode().set("result", NODES.objectNode().set("artifact", NODES.objectNode().put("id", v.artifactId).set("tags", tags)));
  }

  private JsonNode addAliases(JsonNode input) {
    Version v = byArtifactId(string(input, "artifactID"));
    if (!input.path("aliases").isArray()) {
      throw new GraphqlError("Variable \"$input\" got invalid value; Field \"aliases\" of required type \"[ArtifactCollectionAliasInput!]!\" was not provided.");
    }
    for (JsonNode alias : input.get("aliases")) {
      fields(alias, Set.of("entityName", "projectName", "artifactCollectionName", "alias"), "ArtifactCollectionAliasInput");
      String path = string(alias, "entityName") + "/" + string(alias, "projectName") + "/" + string(alias, "artifactCollectionName");
      List<Version> versions = collections.get(path);
      if (versions == null || !versions.contains(v)) {
        throw new GraphqlError("artifact " + v.artifactId + " is not linked to " + path);
      }
      moveAlias(path, string(alias, "alias"), v.index);
    }
    return NODES.objectNode().set("result", NODES.objectNode().put("success", true));
  }

  private Version byArtifactId(String id) {
    return collections.values().stream().flatMap(List::stream).filter(v -> v.artifactId.equals(id)).findFirst()
        .orElseThrow(() -> new GraphqlError("artifact " + id + " not found"));
  }

  private static List<String> tagNames(JsonNode list, String field) {
    if (list.isMissingNode() || list.isNull()) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (JsonNode tag : list) {
      fields(tag, Set.of("tagName"), "TagInput");
      String name = string(tag, "tagName");
      if (!TAG_NAME.matcher(name).matches()) {
        throw new GraphqlError(field + ": invalid tag name " + name);
      }
      names.add(name);
    }
    return names;
  }

  private static JsonNode input(JsonNode variables, Set<String> allowed) {
    JsonNode input = variables.path("input");
    if (!input.isObject()) {
      throw new GraphqlError("Variable \"$input\" of required type was not provided.");
    }
    fields(input, allowed, "input");
    return input;
  }

  private static void fields(JsonNode object, Set<String> allowed, String type) {
    object.fieldNames().forEachRemaining(name -> {
      if (!allowed.contains(name)) {
        throw new GraphqlError("Field \"" + name + "\" is not defined by type \"" + type + "\".");
      }
    });
  }

  private static String string(JsonNode object, String name) {
    JsonNode value = object.path(name);
    if (!value.isTextual()) {
      throw new GraphqlError("Variable \"$" + name + "\" of required type \"String!\" was not provided.");
    }
    return value.asText();
  }

  private static ObjectNode data(JsonNode data) {
    return NODES.objectNode().set("data", data);
  }

  private static ObjectNode errors(String message) {
    ObjectNode answer = NODES.objectNode();
    answer.set("errors", NODES.arrayNode().add(NODES.objectNode().put("message", message)
        .set("locations", NODES.arrayNode().add(NODES.objectNode().put("line", 2).put("column", 3)))));
    answer.putNull("data");
    return answer;
  }

  private static final class GraphqlError extends RuntimeException {
    GraphqlError(String message) {
      super(message, null, false, false);
    }
  }
}
