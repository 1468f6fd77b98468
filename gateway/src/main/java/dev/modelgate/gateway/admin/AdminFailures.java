package dev.modelgate.gateway.admin;

import dev.modelgate.core.ledger.RefusedEventException;
import dev.modelgate.core.registry.InvalidRegistryException;
import dev.modelgate.gateway.openai.OpenAiError;
import dev.modelgate.gateway.state.StateUnavailableException;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin port's one failure handler. It answers the project's own refusals with their status:
 * an {@link AdminError}, a change the fold or the registry rules refuse (422), a state store that
 * cannot be reached (503 {@code state_unavailable}: a fleet's PostgreSQL is down), and the statuses
 * Vert.x Web's handlers fail with on their own (413 for a body over the limit, 400 for a request
 * that cannot be read, 404 and 405 from routing). Anything else is a bug: logged with its stack
 * trace and answered 500, never mistaken for the caller's fault.
 */
final class AdminFailures {
  private static final Logger LOG = Logger.getLogger(AdminFailures.class.getName());

  private AdminFailures() {}

  /** The failure handler of every route. */
  static void handle(RoutingContext context) {
    Throwable failure = context.failure();
    AdminError error = refusal(failure);
    // Vert.x Web fails with a 4xx of its own only for the client's mistakes (a malformed chunk, say).
    if (error == null && (failure == null || context.statusCode() / 100 == 4)) {
      error = ofStatus(context, context.statusCode());
    }
    if (error == null && context.response().closed()) {
      LOG.log(Level.FINE, "admin call " + context.request().method() + " " + context.request().path() + " ended: the client left", failure);
      return;
    }
    if (error == null) {
      LOG.log(Level.SEVERE, "admin call " + context.request().method() + " " + context.request().path() + " failed", failure);
      error = new AdminError(500, "internal_error", "The admin call failed inside the gateway; nothing was changed unless the audit log shows it.",
          null);
    }
    answer(context, error);
  }

  /**
   * The refusal {@code failure} stands for, or {@code null} when it is none. One more project
   * exception type is one more line here.
   */
  static AdminError refusal(Throwable failure) {
    if (failure instanceof AdminError refused) {
      return refused;
    }
    // The fold and the registry rules name the path of every problem: the change is invalid.
    if (failure instanceof RefusedEventException || failure instanceof InvalidRegistryException) {
      return AdminError.unprocessable(failure.getMessage(), null);
    }
    if (failure instanceof StateUnavailableException unavailable) {
      return AdminError.stateUnavailable(unavailable.getMessage());
    }
    return null;
  }

  /**
   * A handler of status {@code status} for the router's error handlers, which see failures that
   * never reach a route: no route matches (404), no route takes the method (405 — the routes of
   * {@link AdminRoutes} answer that themselves, with their {@code Allow}), or the path cannot be
   * decoded (400).
   */
  static void status(RoutingContext context, int status) {
    AdminError error = context.failure() == null ? ofStatus(context, status) : null;
    if (error == null) {
      handle(context);
    } else {
      answer(context, error);
    }
  }

  private static AdminError ofStatus(RoutingContext context, int status) {
    String target = context.request().method() + " " + context.request().path();
    return switch (status) {
      case 400 -> AdminError.badRequest("The request " + target + " cannot be read (expected: a path with valid percent-encoding).", null);
      case 404 -> AdminError.notFound("No route " + target + " on the admin port.");
      case 405 -> new AdminError(405, "method_not_allowed", "No route " + target + " on the admin port takes this method.", null);
      case 413 -> new AdminError(413, "request_too_large", "The body exceeds " + AdminRoutes.MAX_BODY_BYTES + " bytes.", null);
      case 417 -> new AdminError(417, "expectation_failed", "Only 'Expect: 100-continue' is supported.", null);
      default -> null;
    };
  }

  static void answer(RoutingContext context, AdminError error) {
    HttpServerResponse response = context.response();
    if (response.headWritten()) {
      // Too late for another status: the answer is cut short rather than left hanging.
      context.request().connection().close();
      return;
    }
    if (error.status == 401) {
      response.putHeader("www-authenticate", "Bearer");
    }
    if (error.status == 413 || error.status == 408) {
      // The rest of the body is still on its way: don't read it as the next request.
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    response.setStatusCode(error.status).putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .end(Buffer.buffer(OpenAiError.json(error.type(), error.code, error.getMessage(), error.param)));
  }
}
