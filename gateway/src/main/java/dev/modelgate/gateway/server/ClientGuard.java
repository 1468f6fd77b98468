package dev.modelgate.gateway.server;

import dev.modelgate.gateway.config.ClientLimits;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.OpenAiError;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Map;

/**
 * The limits of {@link ClientLimits} that a request handler never sees, for one HTTP server:
 * <ul>
 *   <li>a connection that completes no request head within the idle timeout — after it opened, or
 *       after its last response — is closed, so neither an idle keep-alive connection nor a client
 *       trickling its headers a byte at a time holds it longer (the handlers bound the body);
 *   <li>a request with more header lines than allowed gets 431;
 *   <li>a request the HTTP decoder refuses gets 414 (request line too long), 431 (headers too
 *       large) or 400, in OpenAI's error shape, and the connection is closed.
 * </ul>
 * Rather than hook the end of every response, each connection's timer looks at its latest request
 * every quarter of the timeout, so an idle connection closes between one and one and a quarter
 * timeouts after its last response. All callbacks run on the server's event loop: no locks.
 */
final class ClientGuard {
  private final Vertx vertx;
  private final ClientLimits limits;
  private final Handler<HttpServerRequest> handler;
  private final long idleNanos;
  private final long checkMillis;
  private final Map<HttpConnection, Watch> watches = new HashMap<>();

  ClientGuard(Vertx vertx, ClientLimits limits, Handler<HttpServerRequest> handler) {
    this.vertx = vertx;
    this.limits = limits;
    this.handler = handler;
    this.idleNanos = limits.idleTimeout().toNanos();
    this.checkMillis = Math.max(1, limits.idleTimeout().toMillis() / 4);
  }

  void connected(HttpConnection connection) {
    Watch watch = new Watch(connection);
    watches.put(connection, watch);
    connection.closeHandler(v -> {
      vertx.cancelTimer(watch.timerId);
      watches.remove(connection);
    });
  }

  void request(HttpServerRequest request) {
    Watch watch = watches.get(request.connection());
    if (watch != null) {
      watch.current = request;
    }
    if (headerLines(request) > limits.maxHeaders()) {
      refuse(request, ErrorKind.HEADERS_TOO_LARGE, ClientRefusal.tooManyHeaders(limits));
      return;
    }
    handler.handle(request);
  }

  // MultiMap.size() counts names, not lines: a thousand copies of one header are one name.
  private int headerLines(HttpServerRequest request) {
    int lines = 0;
    for (Map.Entry<String, String> ignored : request.headers()) {
      if (++lines > limits.maxHeaders()) {
        break;
      }
    }
    return lines;
  }

  /** A request the HTTP decoder could not read: Vert.x closes the connection once this answers. */
  void invalid(HttpServerRequest request) {
    DecoderResult result = request.decoderResult();
    ClientRefusal refusal = ClientRefusal.of(result == null ? null : result.cause(), limits);
    refuse(request, refusal.kind(), refusal.message());
  }

  // The rest of the request stays unread, so the connection cannot carry another one.
  private static void refuse(HttpServerRequest request, ErrorKind kind, String message) {
    request.response().setStatusCode(kind.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
        .end(Buffer.buffer(OpenAiError.json(kind, message, null)))
        .onComplete(ar -> request.connection().close());
  }

  /** One connection: its latest request, and since when it has had none in progress. */
  private final class Watch {
    private final HttpConnection connection;
    private final long timerId;
    private HttpServerRequest current;
    private long quietSince = System.nanoTime();

    Watch(HttpConnection connection) {
      this.connection = connection;
      this.timerId = vertx.setPeriodic(checkMillis, id -> check());
    }

    private void check() {
      long now = System.nanoTime();
      if (current != null) {
        // Until its response ends the handler is in charge: it bounds the body and the answer.
        if (current.response().ended()) {
          current = null;
          quietSince = now;
        }
        return;
      }
      if (now - quietSince >= idleNanos) {
        connection.close();
      }
    }
  }
}
