package dev.modelgate.gateway.registry.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelgate.gateway.proxy.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An MLflow tracking server's model registry on loopback, speaking the REST 2.0 shapes of
 * {@code mlflow/protos/model_registry.proto} for the calls the gateway makes: GET and POST
 * {@code registered-models/alias}, POST {@code model-versions/set-tag}. It records every request, and
 * can be made to refuse the token, answer garbage, fail with 503 or answer slowly.
 */
final class MlflowFake implements AutoCloseable {
  static final String API = "/api/2.0/mlflow/";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as it arrived. */
  record Recorded(String method, String path, Map<String, String> query, String authorization, JsonNode body) {}

  enum Mode { HEALTHY, UNAUTHORIZED, GARBAGE, DOWN, SLOW }

  private final Vertx vertx;
  private final HttpServer server;
  private final String token;
  private final Map<String, ObjectNode> versions = new ConcurrentHashMap<>();
  private final Map<String, String> aliases = new ConcurrentHashMap<>();
  final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private volatile Mode mode = Mode.HEALTHY;
  private volatile Duration slowBy = Duration.ZERO;
  private volatile boolean failWrites;

  MlflowFake(Vertx vertx, String token) {
    this.vertx = vertx;
    this.token = token;
    this.server = GatewayHarness.await(vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1"));
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Registers version {@code number} of {@code name}, with tags. */
  void version(String name, long number, Map<String, String> tags) {
    ObjectNode v = JSON.createObjectNode();
    v.put("name", name).put("version", Long.toString(number)).put("creation_timestamp", 1_760_000_000_000L + number)
        .put("last_updated_timestamp", 1_760_000_000_000L + number).put("user_id", "ci@acme.dev").put("current_stage", "None")
        .put("description", "").put("source", "s3://mlflow/artifacts/" + number + "/model").put("run_id", "run" + number)
        .put("status", "READY");
    ArrayNode tagList = v.putArray("tags");
    tags.forEach((key, value) -> tagList.addObject().put("key", key).put("value", value));
    v.putArray("aliases");
    versions.put(name + "/" + number, v);
  }

  /** Moves {@code alias} of {@code name} to {@code number}, as someone in the MLflow UI would. */
  void alias(String name, String alias, long number) {
    aliases.put(name + "@" + alias, Long.toString(number));
  }

  String aliasTarget(String name, String alias) {
    return aliases.get(name + "@" + alias);
  }

  /** The tag {@code key} of the version, or {@code null}. */
  String tag(String name, long number, String key) {
    for (JsonNode tag : versions.get(name + "/" + number).path("tags")) {
      if (tag.path("key").asText().equals(key)) {
        return tag.path("value").asText();
      }
    }
    return null;
  }

  void mode(Mode mode) {
    this.mode = mode;
  }

  /** Whether every POST answers 503 while reads keep working. */
  void failWrites(boolean fail) {
    this.failWrites = fail;
  }

  void slowBy(Duration delay) {
    this.slowBy = delay;
    this.mode = Mode.SLOW;
  }

  List<Recorded> requests(String method, String path) {
    return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(API + path)).toList();
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(buffer -> {
      JsonNode body = null;
      if (buffer.length() > 0) {
        try {
          body = JSON.readTree(buffer.getBytes());
        } catch (Exception e) {
          body = JSON.getNodeFactory().textNode(buffer.toString());
        }
      }
      Map<String, String> query = new java.util.LinkedHashMap<>();
      request.params().forEach(e -> query.put(e.getKey(), e.getValue()));
      requests.add(new Recorded(request.method().name(), request.path(), query, request.getHeader("Authorization"), body));
      JsonNode parsed = body;
      switch (mode) {
        case DOWN -> answer(request, 503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"down for maintenance\"}");
        case GARBAGE -> answer(request, 200, "<html><body>login</body></html>");
        case SLOW -> vertx.setTimer(slowBy.toMillis(), id -> respond(request, parsed));
        default -> respond(request, parsed);
      }
    });
  }

  private void respond(HttpServerRequest request, JsonNode body) {
    if (mode == Mode.UNAUTHORIZED || !("Bearer " + token).equals(request.getHeader("Authorization"))) {
      answer(request, 401, "{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"You are not authenticated.\"}");
      return;
    }
    String path = request.path();
    String method = request.method().name();
    if (failWrites && method.equals("POST")) {
      answer(request, 503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"database is read-only\"}");
      return;
    }
    if (method.equals("GET") && path.equals(API + "registered-models/alias")) {
      String name = request.getParam("name");
      String version = aliases.get(name + "@" + request.getParam("alias"));
      if (version == null) {
        answer(request, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"Registered model alias "
            + request.getParam("alias") + " not found.\"}");
        return;
      }
      ObjectNode answer = JSON.createObjectNode();
      ObjectNode v = versions.get(name + "/" + version).deepCopy();
      answer.set("model_version", v);
      answer(request, 200, answer.toString());
    } else if (method.equals("POST") && path.equals(API + "registered-models/alias")) {
      aliases.put(body.path("name").asText() + "@" + body.path("alias").asText(), body.path("version").asText());
      answer(request, 200, "{}");
    } else if (method.equals("POST") && path.equals(API + "model-versions/set-tag")) {
      ObjectNode v = versions.get(body.path("name").asText() + "/" + body.path("version").asText());
      if (v == null) {
        answer(request, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"Model Version not found\"}");
        return;
      }
      ArrayNode tags = (ArrayNode) v.get("tags");
      for (int i = tags.size() - 1; i >= 0; i--) {
        if (tags.get(i).path("key").asText().equals(body.path("key").asText())) {
          tags.remove(i);
        }
      }
      tags.addObject().put("key", body.path("key").asText()).put("value", body.path("value").asText());
      answer(request, 200, "{}");
    } else {
      answer(request, 404, "{\"error_code\":\"ENDPOINT_NOT_FOUND\",\"message\":\"No API endpoint\"}");
    }
  }

  private static void answer(HttpServerRequest request, int status, String json) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
  }

  @Override
  public void close() {
    GatewayHarness.await(server.close());
  }
}
