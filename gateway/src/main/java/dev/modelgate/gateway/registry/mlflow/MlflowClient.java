package dev.modelgate.gateway.registry.mlflow;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.registry.RegistryClient;
import dev.modelgate.gateway.registry.RegistryHttp;
import dev.modelgate.gateway.registry.RegistryVersion;
import dev.modelgate.gateway.registry.ServingStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An MLflow Model Registry over its REST 2.0 API (paths under {@code <tracking_uri>/api/2.0/mlflow},
 * as {@code mlflow/protos/model_registry.proto} and {@code mlflow/server/handlers.py} in mlflow/mlflow
 * route them), authenticated as the MLflow client does with a token: {@code Authorization: Bearer}.
 * The calls, each bounded and retried by {@link RegistryHttp}:
 * <ul>
 *   <li>{@code GET registered-models/alias?name=&alias=} ({@code GetModelVersionByAlias}) — where an alias points;
 *   <li>{@code POST model-versions/set-tag} {@code {name, version, key, value}} ({@code SetModelVersionTag}) — the
 *       {@code modelgate.status} tag;
 *   <li>{@code POST registered-models/alias} {@code {name, alias, version}} ({@code SetRegisteredModelAlias}) — an
 *       alias moved back after a rollback.
 * </ul>
 * A version is {@code models:/<name>/<version>}, MLflow's own URI for it; its {@code source}, run and
 * tags are its lineage, its tags the template's metadata.
 */
public final class MlflowClient implements RegistryClient {
  static final String API = "/api/2.0/mlflow/";
  /** The version tag the outcome here is written to. */
  public static final String STATUS_TAG = "modelgate.status";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WebClient web;
  private final RegistryHttp http;
  private final String base;
  private final String authorization;

  /**
   * @param trackingUri the tracking server, e.g. {@code http://mlflow:5000}
   * @param token its bearer token, or {@code null} for a server without authentication
   */
  public MlflowClient(Vertx vertx, RegistryHttp http, String trackingUri, String token) {
    this.web = WebClient.create(requireNonNull(vertx, "vertx"), new WebClientOptions().setFollowRedirects(false));
    this.http = requireNonNull(http, "http");
    String uri = requireNonNull(trackingUri, "trackingUri");
    this.base = (uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri) + API;
    this.authorization = token == null || token.isBlank() ? null : "Bearer " + token.strip();
  }

  @Override
  public Future<Optional<RegistryVersion>> aliasTarget(String path, String alias) {
    String what = "GET registered-models/alias (" + path + "@" + alias + ")";
    return http.send(what, () -> request(HttpMethod.GET, "registered-models/alias").addQueryParam("name", path).addQueryParam("alias", alias), null)
        .map(response -> {
          if (unset(response)) {
            return Optional.<RegistryVersion>empty();
          }
          if (response.statusCode() != 200) {
            throw http.refused(what, response);
          }
          return Optional.of(version(what, path, read(what, response, MlflowShapes.VersionAnswer.class).modelVersion()));
        });
  }

  @Override
  public Future<Void> markStatus(String path, long version, ServingStatus status) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("name", path);
    body.put("version", Long.toString(version));
    body.put("key", STATUS_TAG);
    body.put("value", status.wireName());
    return post("POST model-versions/set-tag (" + path + " version " + version + ")", "model-versions/set-tag", body);
  }

  @Override
  public Future<Void> moveAlias(String path, String alias, long version) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("name", path);
    body.put("alias", alias);
    body.put("version", Long.toString(version));
    return post("POST registered-models/alias (" + path + "@" + alias + " to version " + version + ")", "registered-models/alias", body);
  }

  private Future<Void> post(String what, String endpoint, Map<String, String> body) {
    Buffer json;
    try {
      json = Buffer.buffer(JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      return Future.failedFuture(new IllegalStateException("cannot write " + body.keySet(), e));
    }
    return http.send(what, () -> request(HttpMethod.POST, endpoint).putHeader("Content-Type", "application/json"), json)
        .map(response -> {
          if (response.statusCode() != 200) {
            throw http.refused(what, response);
          }
          return null;
        });
  }

  private HttpRequest<Buffer> request(HttpMethod method, String endpoint) {
    HttpRequest<Buffer> request = web.requestAbs(method, base + endpoint).putHeader("Accept", "application/json");
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return request;
  }

  // An alias that is not set: 404 RESOURCE_DOES_NOT_EXIST from most servers; some answer 400
  // INVALID_PARAMETER_VALUE "Registered model alias … not found" (sqlalchemy_store).
  private static boolean unset(HttpResponse<Buffer> response) {
    if (response.statusCode() != 404 && response.statusCode() != 400) {
      return false;
    }
    MlflowShapes.Error error;
    try {
      error = JSON.readValue(response.body() == null ? new byte[0] : response.body().getBytes(), MlflowShapes.Error.class);
    } catch (IOException e) {
      return false;
    }
    return error != null && ("RESOURCE_DOES_NOT_EXIST".equals(error.errorCode())
        || ("INVALID_PARAMETER_VALUE".equals(error.errorCode()) && error.message() != null && error.message().contains("not found")));
  }

  private <T> T read(String what, HttpResponse<Buffer> response, Class<T> shape) {
    try {
      T value = JSON.readValue(response.body() == null ? new byte[0] : response.body().getBytes(), shape);
      if (value == null) {
        throw http.unexpected(what, "an empty body");
      }
      return value;
    } catch (IOException e) {
      throw http.unexpected(what, "not the published JSON (" + firstLine(e.getMessage()) + ")");
    }
  }

  private RegistryVersion version(String what, String path, MlflowShapes.ModelVersion v) {
    if (v == null) {
      throw http.unexpected(what, "no model_version");
    }
    long number;
    try {
      number = Long.parseLong(v.version());
    } catch (NumberFormatException e) {
      throw http.unexpected(what, "model_version.version " + (v.version() == null ? "missing" : "'" + excerpt(v.version()) + "'")
          + " (expected: a version number)");
    }
    if (number < 1) {
      throw http.unexpected(what, "model_version.version " + number + " (expected: 1 or more)");
    }
    Map<String, String> tags = new LinkedHashMap<>();
    if (v.tags() != null) {
      for (MlflowShapes.Tag tag : v.tags()) {
        if (tag != null && tag.key() != null && tag.value() != null) {
          tags.put(tag.key(), tag.value());
        }
      }
    }
    Map<String, Object> lineage = new LinkedHashMap<>();
    putIfPresent(lineage, "registry", "mlflow");
    putIfPresent(lineage, "source", v.source());
    putIfPresent(lineage, "run_id", v.runId());
    putIfPresent(lineage, "run_link", v.runLink());
    putIfPresent(lineage, "user_id", v.userId());
    Map<String, Object> lineageTags = new LinkedHashMap<>();
    // Its own verdict is written back as a tag; lineage is what the version is, fixed when it registers.
    tags.forEach((key, value) -> {
      if (!key.equals(STATUS_TAG)) {
        lineageTags.put(key, value);
      }
    });
    if (!lineageTags.isEmpty()) {
      lineage.put("tags", lineageTags);
    }
    return new RegistryVersion(number, "models:/" + path + "/" + number, lineage, tags);
  }

  private static void putIfPresent(Map<String, Object> map, String key, String value) {
    if (value != null && !value.isEmpty()) {
      map.put(key, value);
    }
  }

  private static String excerpt(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "malformed";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  @Override
  public void close() {
    web.close();
  }
}
