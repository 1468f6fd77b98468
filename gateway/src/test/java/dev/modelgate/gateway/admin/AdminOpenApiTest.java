package dev.modelgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.modelgate.gateway.config.AuthConfig.AdminToken;
import dev.modelgate.gateway.config.AuthConfig.Role;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.schema.HealthCheckJson;
import dev.modelgate.gateway.schema.PromoteRequest;
import dev.modelgate.gateway.schema.PurgeCacheRequest;
import dev.modelgate.gateway.schema.RollbackRequest;
import dev.modelgate.gateway.schema.RolloutCommandRequest;
import dev.modelgate.gateway.schema.SetWeightsRequest;
import dev.modelgate.gateway.schema.StartRolloutRequest;
import dev.modelgate.gateway.schema.VersionJson;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document of the admin port and its router describe the same operations, and the document holds together. */
class AdminOpenApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
  private static final Pattern PATH_PARAMETER = Pattern.compile(":([A-Za-z_][A-Za-z0-9_]*)");
  private static final Pattern TEMPLATE_PARAMETER = Pattern.compile("\\{([^}]+)}");
  private static AdminPort port;

  @TempDir
  static Path state;

  @BeforeAll
  static void start() throws IOException {
    port = new AdminPort(state, List.of(new AdminToken("T", Role.VIEWER)), Map.of("T", "t"), () -> true);
  }

  @AfterAll
  static void stop() throws IOException {
    port.close();
  }

  /** The document as the gateway ships it. */
  static JsonNode document() throws IOException {
    try (InputStream in = AdminRoutes.class.getResourceAsStream("openapi.json")) {
      return JSON.readTree(in);
    }
  }

  /** Every operation of the document, as "METHOD /path/{param}". */
  static Set<String> documentOperations(JsonNode document) {
    Set<String> operations = new TreeSet<>();
    document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
      if (METHODS.contains(operation.getKey())) {
        operations.add(operation.getKey().toUpperCase() + " " + path.getKey());
      }
    }));
    return operations;
  }

  /** Every operation a route of {@code router} serves, with Vert.x's ":param" written as OpenAPI's "{param}". */
  static Set<String> routerOperations(Router router) {
    Set<String> operations = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.methods() != null) {
        for (HttpMethod method : route.methods()) {
          operations.add(method.name() + " " + PATH_PARAMETER.matcher(route.getPath()).replaceAll("{$1}"));
        }
      }
    }
    return operations;
  }

  @Test
  void documentsExactlyTheOperationsTheRouterServes() throws IOException {
    assertThat(routerOperations(port.handler.router())).isEqualTo(documentOperations(document()))
        .contains("GET /healthz", "GET /admin/v1/openapi.json", "PUT /admin/v1/models/{model}/aliases/{alias}");
  }

  @Test
  void aRouteAddedWithoutDocumentingItBreaksTheComparison() throws IOException {
    Router router = port.handler.router();
    Route undocumented = router.get("/admin/v1/models/:model/undocumented").handler(context -> context.end());
    try {
      assertThat(routerOperations(router)).isNotEqualTo(documentOperations(document())).contains("GET /admin/v1/models/{model}/undocumented");
    } finally {
      undocumented.remove();
    }
  }

  @Test
  void routesWithoutAMethodOnlyGuardTheApiOrRefuseOtherMethodsOnDocumentedPaths() throws IOException {
    Set<String> documentedPaths = new HashSet<>();
    document().path("paths").fieldNames().forEachRemaining(documentedPaths::add);
    for (Route route : port.handler.router().getRoutes()) {
      if (route.methods() == null && route.getPath() != null) {
        String path = PATH_PARAMETER.matcher(route.getPath()).replaceAll("{$1}");
        assertThat(path.equals(AdminRoutes.BASE + "/") || documentedPaths.contains(path)).as(path).isTrue();
      }
    }
  }

  @Test
  void isAnOpenApi31DocumentWhoseOperationsNameTheirRoleOrNeedNoToken() throws IOException {
    JsonNode document = document();
    assertThat(document.path("openapi").asText()).startsWith("3.1.");
    assertThat(document.path("components").path("securitySchemes").path("bearer").path("scheme").asText()).isEqualTo("bearer");
    Set<String> ids = new HashSet<>();
    document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(entry -> {
      String where = entry.getKey() + " " + path.getKey();
      JsonNode operation = entry.getValue();
      assertThat(ids.add(operation.path("operationId").asText())).as(where + " has a unique operationId").isTrue();
      boolean open = operation.has("security") && operation.path("security").isEmpty();
      String role = operation.path("x-modelgate-role").asText(null);
      assertThat(open != (role != null)).as(where + " needs either no token or a role").isTrue();
      if (role != null) {
        assertThat(role).as(where).isIn("viewer", "operator", "admin");
        assertThat(operation.path("responses").has("401") && operation.path("responses").has("403")).as(where + " documents 401 and 403").isTrue();
      }
      assertThat(operation.path("responses").properties()).as(where + " documents an answer").isNotEmpty();
      Set<String> declared = new HashSet<>();
      operation.path("parameters").forEach(p -> declared.add(resolve(document, p).path("name").asText()));
      Matcher templated = TEMPLATE_PARAMETER.matcher(path.getKey());
      while (templated.find()) {
        assertThat(declared).as(where + " declares its path parameter").contains(templated.group(1));
      }
    }));
  }

  /**
   * The document against the OpenAPI 3.1 specification's own JSON schema, as Vert.x's contract reader
   * checks it (its router itself would refuse {@code /metrics}' Prometheus media type, which the
   * specification allows). A document without its {@code info} is refused, so the check can fail.
   */
  @Test
  void validatesAgainstTheOpenApi31MetaSchema() throws Exception {
    JsonObject document = new JsonObject(JSON.writeValueAsString(document()));
    JsonObject withoutInfo = document.copy();
    withoutInfo.remove("info");
    Vertx vertx = Vertx.vertx();
    try {
      OpenAPIVersion version = OpenAPIVersion.fromContract(document);
      SchemaRepository metaSchemas = await(version.getRepository(vertx, "app:///"));

      assertThat(version).isEqualTo(OpenAPIVersion.V3_1);
      OutputUnit checked = await(version.validateContract(vertx, metaSchemas, document));
      assertThat(checked.getValid()).as(String.valueOf(checked.getErrors())).isTrue();
      assertThat(await(version.validateContract(vertx, metaSchemas, withoutInfo)).getValid()).isFalse();
    } finally {
      await(vertx.close());
    }
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Each request body's schema has exactly the keys its record reads, and no others. */
  @Test
  void requestBodySchemasHaveTheKeysOfTheirRecords() throws IOException {
    JsonNode schemas = document().path("components").path("schemas");
    Map<String, Class<?>> bodies = Map.of("Version", VersionJson.class, "HealthCheck", HealthCheckJson.class,
        "SetWeightsRequest", SetWeightsRequest.class, "PromoteRequest", PromoteRequest.class, "RollbackRequest", RollbackRequest.class,
        "StartRolloutRequest", StartRolloutRequest.class, "RolloutCommandRequest", RolloutCommandRequest.class,
        "PurgeCacheRequest", PurgeCacheRequest.class);
    ObjectMapper snakeCase = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    bodies.forEach((name, record) -> {
      JsonNode schema = schemas.path(name);
      Set<String> documented = new TreeSet<>();
      schema.path("properties").fieldNames().forEachRemaining(documented::add);
      Set<String> read = new TreeSet<>();
      snakeCase.getDeserializationConfig().introspect(snakeCase.constructType(record)).findProperties().forEach(p -> read.add(p.getName()));

      assertThat(documented).as(name).isEqualTo(read);
      assertThat(schema.path("additionalProperties").asBoolean(true)).as(name + " refuses other keys").isFalse();
    });
  }

  @Test
  void everyReferenceResolves() throws IOException {
    JsonNode document = document();
    List<String> references = new ArrayList<>();
    collectReferences(document, references);
    assertThat(references).isNotEmpty();
    for (String reference : references) {
      assertThat(reference).startsWith("#/");
      assertThat(document.at(reference.substring(1)).isMissingNode()).as(reference).isFalse();
    }
  }

  @Test
  void servesTheDocumentWithoutAToken() throws Exception {
    HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(port.uri("/admin/v1/openapi.json"))
        .timeout(GatewayHarness.WAIT).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(JSON.readTree(answer.body())).isEqualTo(document());
  }

  private static JsonNode resolve(JsonNode document, JsonNode node) {
    return node.has("$ref") ? document.at(node.path("$ref").asText().substring(1)) : node;
  }

  private static void collectReferences(JsonNode node, List<String> references) {
    if (node.has("$ref")) {
      references.add(node.path("$ref").asText());
    }
    node.forEach(child -> collectReferences(child, references));
  }
}
