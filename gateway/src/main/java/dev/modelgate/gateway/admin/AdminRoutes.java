package dev.modelgate.gateway.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.admin.AdminApi.Reply;
import dev.modelgate.gateway.admin.AdminAuth.Caller;
import dev.modelgate.gateway.config.AuthConfig.Role;
import dev.modelgate.gateway.schema.Schema;
import dev.modelgate.gateway.schema.SchemaException;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The routes of the admin API under {@code /admin/v1}, in the order a request meets them: the API
 * is off without tokens; the OpenAPI document needs no token; one authentication handler puts the
 * {@link Caller} in the context; then each operation checks its role, reads its body (within {@link
 * #MAX_BODY_BYTES} and the read timeout) and calls {@link AdminApi}. Path parameters are decoded by
 * the router, so a model name carries its {@code /} as {@code %2F}. {@code openapi.json}, next to
 * this class, documents every route; {@code AdminOpenApiTest} keeps the two equal.
 */
final class AdminRoutes {
  static final String BASE = "/admin/v1";
  static final String OPENAPI = BASE + "/openapi.json";
  static final long MAX_BODY_BYTES = 1 << 20;
  private static final String CALLER = "modelgate.caller";
  private static final String BODY = "modelgate.body";
  private static final String BODY_DEADLINE = "modelgate.bodyDeadline";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Buffer OPENAPI_DOCUMENT = Buffer.buffer(resource("openapi.json"));

  private final AdminApi api;
  private final AdminAuth auth;
  private final long readTimeoutMillis;
  // No file uploads: a form body is read like any other and refused as not JSON.
  private final BodyHandler bodies = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);

  private AdminRoutes(AdminApi api) {
    this.api = requireNonNull(api, "api");
    this.auth = api.auth();
    this.readTimeoutMillis = api.readTimeout().toMillis();
  }

  /** Adds the admin API's routes to {@code router}. */
  static void mount(Router router, AdminApi api) {
    new AdminRoutes(api).mount(router);
  }

  private void mount(Router router) {
    // Before the token check: a registry signs its webhooks and carries no admin token.
    router.post(BASE + "/registry/:registry/webhook").handler(bodies).handler(context -> call(context, c -> api.registryWebhook(
        c.pathParam("registry"), c.request()::getHeader, c.body().buffer() == null ? new byte[0] : c.body().buffer().getBytes())));
    router.route(BASE + "/*").handler(this::enabled);
    router.get(OPENAPI).handler(context -> context.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON).end(OPENAPI_DOCUMENT));
    router.route(BASE + "/*").handler(this::authenticate);

    read(router, "/models", context -> api.models());
    read(router, "/models/:model", context -> api.model(context.pathParam("model")));
    change(router, HttpMethod.POST, "/models/:model/versions", Role.ADMIN,
        (context, body) -> api.registerVersion(caller(context), context.pathParam("model"), body));
    read(router, "/models/:model/aliases/:alias", context -> api.alias(context.pathParam("model"), context.pathParam("alias")));
    change(router, HttpMethod.PUT, "/models/:model/aliases/:alias", Role.OPERATOR,
        (context, body) -> api.setWeights(caller(context), context.pathParam("model"), context.pathParam("alias"), body));
    change(router, HttpMethod.POST, "/models/:model/aliases/:alias/promote", Role.OPERATOR,
        (context, body) -> api.promote(caller(context), context.pathParam("model"), context.pathParam("alias"), body));
    change(router, HttpMethod.POST, "/models/:model/aliases/:alias/rollback", Role.OPERATOR,
        (context, body) -> api.rollback(caller(context), context.pathParam("model"), context.pathParam("alias"), body));
    change(router, HttpMethod.POST, "/models/:model/aliases/:alias/rollouts", Role.OPERATOR,
        (context, body) -> api.startRollout(caller(context), context.pathParam("model"), context.pathParam("alias"), body));
    read(router, "/models/:model/aliases/:alias/rollout", context -> api.rollout(context.pathParam("model"), context.pathParam("alias")));
    for (AdminApi.RolloutCommand command : AdminApi.RolloutCommand.values()) {
      change(router, HttpMethod.POST, "/models/:model/aliases/:alias/rollout/" + command.name().toLowerCase(java.util.Locale.ROOT), Role.OPERATOR,
          (context, body) -> api.commandRollout(caller(context), command, context.pathParam("model"), context.pathParam("alias"), body));
    }
    change(router, HttpMethod.DELETE, "/models/:model/cache", Role.OPERATOR,
        (context, body) -> api.purgeCache(caller(context), context.pathParam("model"), body));
    read(router, "/audit", context -> api.audit(context.request()));
    read(router, "/registry", context -> api.registryStatus());
  }

  private void read(Router router, String path, Function<RoutingContext, Future<Reply>> operation) {
    router.get(BASE + path).handler(context -> require(context, Role.VIEWER)).handler(context -> call(context, operation));
  }

  private void change(Router router, HttpMethod method, String path, Role role, BiFunction<RoutingContext, JsonNode, Future<Reply>> operation) {
    // Two routes: Vert.x Web wants the body handler first on its route, and the role comes before the body.
    router.route(method, BASE + path).handler(context -> require(context, role)).handler(this::startBodyDeadline);
    router.route(method, BASE + path).handler(bodies).handler(this::bodyArrived)
        .handler(context -> call(context, c -> operation.apply(c, c.get(BODY))));
  }

  /** The caller the authentication handler found; every route past it has one. */
  static Caller caller(RoutingContext context) {
    return requireNonNull(context.get(CALLER), "caller");
  }

  private void enabled(RoutingContext context) {
    if (!auth.enabled()) {
      throw AdminError.notFound("The admin API is off: configure auth.admin_tokens to enable it.");
    }
    context.next();
  }

  private void authenticate(RoutingContext context) {
    Caller caller = auth.authenticate(context.request().getHeader(HttpHeaders.AUTHORIZATION));
    if (caller == null) {
      throw new AdminError(401, "invalid_token", "A valid admin token is required (Authorization: Bearer <token>).", null);
    }
    context.put(CALLER, caller);
    context.next();
  }

  private static void require(RoutingContext context, Role role) {
    Caller caller = caller(context);
    if (!caller.mayAct(role)) {
      throw new AdminError(403, "forbidden", "This call needs the " + role.label() + " role; the token has " + caller.role().label() + ".", null);
    }
    context.next();
  }

  // A client trickling its body must not hold the connection: answer, and close it. Once the body
  // is in, the deadline is off: a slow ledger write is no reason to time the caller out.
  private void startBodyDeadline(RoutingContext context) {
    long timer = context.vertx().setTimer(readTimeoutMillis, id -> {
      if (!context.response().ended()) {
        context.fail(new AdminError(408, "request_timeout", "The body did not arrive within " + readTimeoutMillis + " ms.", null));
      }
    });
    context.put(BODY_DEADLINE, timer);
    context.addEndHandler(ended -> context.vertx().cancelTimer(timer));
    context.next();
  }

  private void bodyArrived(RoutingContext context) {
    context.vertx().cancelTimer(context.<Long>get(BODY_DEADLINE));
    Buffer buffer = context.body().buffer();
    JsonNode body;
    if (buffer == null || buffer.length() == 0) {
      body = JSON.createObjectNode();
    } else {
      try {
        body = Schema.readTree(buffer.getBytes());
      } catch (SchemaException e) {
        throw e.path().isEmpty() ? AdminError.badRequest("The body is " + e.getMessage(), null) : AdminError.badRequest(e.getMessage(), e.path());
      }
      if (body == null || !body.isObject()) {
        throw AdminError.badRequest("The body must be a JSON object.", null);
      }
    }
    context.put(BODY, body);
    context.next();
  }

  private static void call(RoutingContext context, Function<RoutingContext, Future<Reply>> operation) {
    operation.apply(context).onComplete(done -> {
      if (done.failed()) {
        context.fail(done.cause());
        return;
      }
      byte[] json;
      try {
        json = JSON.writeValueAsBytes(done.result().body());
      } catch (JsonProcessingException e) {
        context.fail(e);
        return;
      }
      context.response().setStatusCode(done.result().status()).putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .end(Buffer.buffer(json));
    });
  }

  private static byte[] resource(String name) {
    try (InputStream in = requireNonNull(AdminRoutes.class.getResourceAsStream(name), name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the resource " + name, e);
    }
  }
}
