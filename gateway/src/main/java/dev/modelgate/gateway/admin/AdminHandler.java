package dev.modelgate.gateway.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.state.StateHealth;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The admin port, one Vert.x Web {@link Router}: the admin API under {@code /admin/v1} ({@link
 * AdminRoutes}, tokens required), and the routes that need none: {@code /healthz} (the process
 * answers; its {@code state} is {@code degraded} while the state store cannot be reached, and it
 * names the replica), {@code /readyz} (routing is loaded and the data plane listens) and {@code /metrics}.
 * A known path asked with another method gets 405 and its {@code Allow}; every failure is answered
 * by {@link AdminFailures}.
 */
public final class AdminHandler implements Handler<HttpServerRequest> {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final Buffer OK = Buffer.buffer("{\"status\":\"ok\"}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Buffer NOT_READY = Buffer.buffer("{\"status\":\"starting\"}");

  private final Router router;

  /** @param replicaId this replica's {@code server.replica_id}, which {@code /healthz} names */
  public AdminHandler(Vertx vertx, GatewayMetrics metrics, BooleanSupplier ready, AdminApi api, String replicaId) {
    requireNonNull(vertx, "vertx");
    requireNonNull(metrics, "metrics");
    requireNonNull(ready, "ready");
    requireNonNull(api, "api");
    requireNonNull(replicaId, "replicaId");
    router = Router.router(vertx);
    StateHealth health = api.stateHealth();
    Buffer healthy = health(replicaId, "ok");
    Buffer degraded = health(replicaId, "degraded");
    // Alive either way: a replica that cannot reach its store still routes, so nothing should restart it.
    router.route("/healthz").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(context -> context.response().putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .end(health.available() ? healthy : degraded));
    router.route("/readyz").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(context -> {
      boolean isReady = ready.getAsBoolean();
      context.response().setStatusCode(isReady ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .end(isReady ? OK : NOT_READY);
    });
    // Rendering every series is too slow for an event loop under a large registry.
    router.route("/metrics").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(context -> vertx.executeBlocking(metrics::scrape)
        .onSuccess(text -> context.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(text))
        .onFailure(context::fail));
    AdminRoutes.mount(router, api);
    refuseOtherMethods(router);
    router.route().failureHandler(AdminFailures::handle);
    for (int status : new int[] {400, 404, 405, 500}) {
      router.errorHandler(status, context -> AdminFailures.status(context, status));
    }
  }

  private static Buffer health(String replicaId, String state) {
    ObjectNode body = JSON.createObjectNode().put("status", "ok").put("state", state).put("replica", replicaId);
    return Buffer.buffer(body.toString());
  }

  /** The routes of the admin port, for tests that compare them with the OpenAPI document. */
  Router router() {
    return router;
  }

  @Override
  public void handle(HttpServerRequest request) {
    router.handle(request);
  }

  // Last, so a path's own routes come first: whatever method none of them takes is refused here.
  private static void refuseOtherMethods(Router router) {
    Map<String, Set<String>> allowed = new LinkedHashMap<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() != null && route.methods() != null) {
        route.methods().forEach(m -> allowed.computeIfAbsent(route.getPath(), p -> new TreeSet<>()).add(m.name()));
      }
    }
    allowed.forEach((path, methods) -> {
      String allow = String.join(", ", methods);
      router.route(path).handler(context -> {
        context.response().putHeader(HttpHeaders.ALLOW, allow);
        throw new AdminError(405, "method_not_allowed", "Use " + allow + " for " + context.request().path() + ".", null);
      });
    });
  }
}
