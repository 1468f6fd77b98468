package dev.modelgate.gateway.admin;

import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.OpenAiError;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.BooleanSupplier;

/**
 * The admin port: the admin API under {@code /admin/v1/} ({@link AdminApi}, tokens required), and
 * the routes that need none: {@code /healthz} (the process answers), {@code /readyz} (routing is
 * loaded and the data plane listens) and {@code /metrics}.
 */
public final class AdminHandler implements Handler<HttpServerRequest> {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final Buffer OK = Buffer.buffer("{\"status\":\"ok\"}");
  private static final Buffer NOT_READY = Buffer.buffer("{\"status\":\"starting\"}");

  private final Vertx vertx;
  private final GatewayMetrics metrics;
  private final BooleanSupplier ready;
  private final AdminApi api;

  public AdminHandler(Vertx vertx, GatewayMetrics metrics, BooleanSupplier ready, AdminApi api) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.metrics = requireNonNull(metrics, "metrics");
    this.ready = requireNonNull(ready, "ready");
    this.api = requireNonNull(api, "api");
  }

  @Override
  public void handle(HttpServerRequest request) {
    var response = request.response();
    String path = request.path();
    if (AdminApi.handles(path)) {
      api.handle(request);
      return;
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      response.setStatusCode(405).putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .end(Buffer.buffer(OpenAiError.json(ErrorKind.METHOD_NOT_ALLOWED, "Use GET for " + path + ".", null)));
      return;
    }
    switch (path) {
      case "/healthz" -> response.putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON).end(OK);
      case "/readyz" -> {
        boolean isReady = ready.getAsBoolean();
        response.setStatusCode(isReady ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .end(isReady ? OK : NOT_READY);
      }
      // Rendering every series is too slow for an event loop under a large registry.
      case "/metrics" -> vertx.executeBlocking(metrics::scrape).onComplete(ar -> {
        if (ar.succeeded()) {
          response.putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
        } else {
          response.setStatusCode(500).end();
        }
      });
      default -> response.setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .end(Buffer.buffer(OpenAiError.json(ErrorKind.UNKNOWN_URL, "Invalid URL (" + request.method() + " " + path + ").", null)));
    }
  }
}
