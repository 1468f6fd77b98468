package dev.modelgate.gateway.registry.wandb;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.modelgate.gateway.registry.RegistryException;
import dev.modelgate.gateway.registry.RegistryHttp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One GraphQL round trip to W&B: {@code POST <base_url>/graphql} with {@code {query, variables,
 * operationName}} and HTTP Basic {@code api:<key>}, as {@code wandb/sdk/internal/internal_api.py}
 * authenticates ({@code auth = ("api", api_key)}). A 401, a GraphQL {@code errors} list and an answer
 * that is not the operation's shape all fail the call with a {@link dev.modelgate.gateway.registry.RegistryException}
 * naming the operation; the key is only ever in the header, which no message shows.
 */
final class Graphql {
  static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final RegistryHttp http;
  private final WebClient web;
  private final String endpoint;
  private final String authorization;

  Graphql(RegistryHttp http, WebClient web, String endpoint, String apiKey) {
    this.http = requireNonNull(http, "http");
    this.web = requireNonNull(web, "web");
    this.endpoint = requireNonNull(endpoint, "endpoint");
    this.authorization = "Basic " + Base64.getEncoder().encodeToString(("api:" + requireNonNull(apiKey, "apiKey")).getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code operation} and completes with its {@code data}, read as {@code dataType} (never null). */
  <T> Future<T> call(Operation operation, Map<String, Object> variables, Class<T> dataType) {
    String what = "GraphQL " + operation.operationName();
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("query", operation.text());
    request.put("variables", variables);
    request.put("operationName", operation.operationName());
    Buffer body;
    try {
      body = Buffer.buffer(JSON.writeValueAsBytes(request));
    } catch (JsonProcessingException e) {
      // Variables are strings, numbers, lists and maps built here: they always serialize.
      throw new IllegalStateException(e);
    }
    return http.send(what, () -> web.postAbs(endpoint)
            .putHeader(HttpHeaders.AUTHORIZATION.toString(), authorization)
            .putHeader(HttpHeaders.CONTENT_TYPE.toString(), "application/json")
            .putHeader(HttpHeaders.ACCEPT.toString(), "application/json"), body)
        .compose(response -> read(what, response, dataType));
  }

  void close() {
    web.close();
  }

  /** The answer to {@code operation} is not its shape. */
  RegistryException unexpected(Operation operation, String problem) {
    return http.unexpected("GraphQL " + operation.operationName(), problem);
  }

  /** The answer to {@code operation} says it could not be done: {@code problem} in words. */
  RegistryException failed(Operation operation, String problem) {
    return http.failed("GraphQL " + operation.operationName(), problem);
  }

  private <T> Future<T> read(String what, HttpResponse<Buffer> response, Class<T> dataType) {
    if (response.statusCode() == 401) {
      return Future.failedFuture(http.failed(what, "the API key was refused (401); check the key api_key_env names"));
    }
    if (response.statusCode() != 200) {
      return Future.failedFuture(http.refused(what, response));
    }
    JavaType type = JSON.getTypeFactory().constructParametricType(Shapes.Envelope.class, dataType);
    Shapes.Envelope<T> envelope;
    try {
      Buffer body = response.body();
      envelope = JSON.readValue(body == null ? new byte[0] : body.getBytes(), type);
    } catch (IOException e) {
      String problem = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
      return Future.failedFuture(http.unexpected(what, problem));
    }
    if (envelope == null) {
      return Future.failedFuture(http.unexpected(what, "an empty body (expected: {\"data\": …})"));
    }
    List<Shapes.GraphqlError> errors = envelope.errors();
    if (errors != null && !errors.isEmpty()) {
      return Future.failedFuture(http.failed(what, errors.stream()
          .map(error -> error == null || error.message() == null ? "(an error without a message)" : error.message())
          .collect(Collectors.joining("; "))));
    }
    if (envelope.data() == null) {
      return Future.failedFuture(http.unexpected(what, "no data and no errors"));
    }
    return Future.succeededFuture(envelope.data());
  }
}
