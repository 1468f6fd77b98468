package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Routes and answers every request. An inference request is read once, then answered in three
 * possible ways, in this order: a 400 at once for what OpenAI would refuse, an injected 500 after
 * the first-token delay (with the simulator's current error rate), or the simulated answer.
 */
final class SimHandler implements Handler<HttpServerRequest> {
  private static final TextApi CHAT = new ChatApi();
  private static final TextApi COMPLETIONS = new CompletionsApi();
  private static final TextApi RESPONSES = new ResponsesApi();
  private static final String MODELS_PREFIX = "/v1/models/";

  private final Vertx vertx;
  private final Simulator simulator;
  private final SimOptions options;
  private final long itlNanos;
  private final long createdEpochSeconds = System.currentTimeMillis() / 1000;

  SimHandler(Vertx vertx, Simulator simulator, SimOptions options) {
    this.vertx = vertx;
    this.simulator = simulator;
    this.options = options;
    this.itlNanos = options.interTokenLatency().toNanos();
  }

  @Override
  public void handle(HttpServerRequest request) {
    request.response().putHeader("x-sim-model", options.model());
    request
        .body()
        .onSuccess(
            body -> {
              try {
                simulator.record(request, body);
              } finally {
                route(request, body);
              }
            });
  }

  private void route(HttpServerRequest request, Buffer body) {
    String path = request.path();
    switch (path) {
      case "/health" -> {
        if (allowed(request, HttpMethod.GET)) {
          send(request.response(), 200, Json.object().put("status", "ok"));
        }
      }
      case "/v1/models" -> {
        if (allowed(request, HttpMethod.GET)) {
          ObjectNode list = Json.object().put("object", "list");
          list.putArray("data").add(model());
          send(request.response(), 200, list);
        }
      }
      case "/v1/chat/completions" -> generate(request, body, CHAT);
      case "/v1/completions" -> generate(request, body, COMPLETIONS);
      case "/v1/responses" -> generate(request, body, RESPONSES);
      case "/v1/embeddings" -> embed(request, body);
      default -> {
        if (!path.startsWith(MODELS_PREFIX)) {
          send(
              request.response(),
              404,
              Json.error(
                  "Unknown request URL: " + request.method() + " " + path + ".",
                  "invalid_request_error",
                  null,
                  "unknown_url"));
        } else if (allowed(request, HttpMethod.GET)) {
          retrieveModel(request.response(), path.substring(MODELS_PREFIX.length()));
        }
      }
    }
  }

  private void generate(HttpServerRequest request, Buffer body, TextApi api) {
    infer(
        request,
        body,
        (json, response, timeline) -> {
          Generation generation =
              api.plan(json, Requests.model(json, options.model()), options.tokens());
          return () -> {
            Pacer pacer = new Pacer(vertx, response);
            if (Requests.stream(json)) {
              new TokenStream(pacer, response, api, generation, timeline).start();
            } else {
              int last = generation.completionTokens() - 1;
              pacer.at(timeline.tokenAt(last), () -> send(response, 200, api.whole(generation)));
            }
          };
        });
  }

  /** An embedding is one forward pass: it answers after the first-token delay. */
  private void embed(HttpServerRequest request, Buffer body) {
    infer(
        request,
        body,
        (json, response, timeline) -> {
          Buffer answer = EmbeddingsApi.answer(json, Requests.model(json, options.model()));
          return () ->
              new Pacer(vertx, response).at(timeline.tokenAt(0), () -> send(response, 200, answer));
        });
  }

  /** Reads an inference request and decides its answer before anything is sent. */
  private interface Planner {
    /** The action that starts answering, or {@link ApiError} for a request to refuse. */
    Runnable plan(ObjectNode json, HttpServerResponse response, Timeline timeline);
  }

  private void infer(HttpServerRequest request, Buffer body, Planner planner) {
    if (!allowed(request, HttpMethod.POST)) {
      return;
    }
    simulator.countServed();
    HttpServerResponse response = request.response();
    Timeline timeline = new Timeline(System.nanoTime(), simulator.ttftNanos(), itlNanos);
    Runnable answer;
    try {
      answer = planner.plan(Json.parseObject(body), response, timeline);
    } catch (ApiError e) {
      send(response, e.status, Json.error(e.getMessage(), e.type, e.param, e.code));
      return;
    }
    double errorRate = simulator.errorRate();
    if (errorRate > 0 && ThreadLocalRandom.current().nextDouble() < errorRate) {
      new Pacer(vertx, response).at(timeline.tokenAt(0), () -> injectedError(response, errorRate));
    } else {
      answer.run();
    }
  }

  private static void injectedError(HttpServerResponse response, double errorRate) {
    send(
        response,
        500,
        Json.error(
            "The server had an error while processing your request (injected by modelgate sim at"
                + " error rate "
                + errorRate
                + ").",
            "server_error",
            null,
            null));
  }

  private void retrieveModel(HttpServerResponse response, String rawId) {
    String id;
    try {
      // Path segments keep '+' literal; URLDecoder alone would turn it into a space.
      id = URLDecoder.decode(rawId.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      id = rawId;
    }
    if (id.equals(options.model())) {
      send(response, 200, model());
    } else {
      send(
          response,
          404,
          Json.error(
              "The model '" + id + "' does not exist",
              "invalid_request_error",
              "model",
              "model_not_found"));
    }
  }

  private ObjectNode model() {
    return Json.object()
        .put("id", options.model())
        .put("object", "model")
        .put("created", createdEpochSeconds)
        .put("owned_by", "modelgate-sim");
  }

  /** Whether the method fits the path; otherwise answers 405 naming the one that would. */
  private static boolean allowed(HttpServerRequest request, HttpMethod method) {
    if (request.method().equals(method)) {
      return true;
    }
    HttpServerResponse response = request.response().putHeader(HttpHeaders.ALLOW, method.name());
    send(
        response,
        405,
        Json.error(
            String.format(
                "Method %s not allowed for %s (expected: %s).",
                request.method(), request.path(), method),
            "invalid_request_error",
            null,
            "method_not_allowed"));
    return false;
  }

  private static void send(HttpServerResponse response, int status, ObjectNode body) {
    send(response, status, Json.buffer(body));
  }

  private static void send(HttpServerResponse response, int status, Buffer body) {
    response
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body);
  }
}
