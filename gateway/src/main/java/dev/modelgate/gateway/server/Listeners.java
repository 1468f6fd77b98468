package dev.modelgate.gateway.server;

import dev.modelgate.gateway.config.ClientLimits;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves one handler from one HTTP server per event loop, all on one port, so every core accepts
 * and handles requests. Vert.x shares a port among servers of one instance that ask for the same
 * port; for an ephemeral port that means the same negative port number, a key Vert.x binds to one
 * random port. Each deployment takes its own key, so two in one Vert.x instance never share a port.
 */
public final class Listeners {
  /** Far from -1, the key other code would pick, so no one else joins these ports. */
  private static final AtomicInteger NEXT_SHARED_EPHEMERAL_PORT = new AtomicInteger(-10_000);

  private Listeners() {}

  /** A deployment of listeners: undeploy it to close them all. */
  public record Deployed(String deploymentId, int port) {}

  /**
   * Deploys {@code instances} servers with {@code options}, port 0 meaning one shared free port.
   * The future completes once every server is bound. Undeploying stops accepting at once and gives
   * requests in flight up to {@code drain} to finish.
   */
  public static Future<Deployed> deploy(Vertx vertx, HttpServerOptions options, Handler<HttpServerRequest> handler, int instances,
      Duration drain) {
    return deploy(vertx, options, null, handler, instances, drain);
  }

  /**
   * As {@link #deploy(Vertx, HttpServerOptions, Handler, int, Duration)}, with {@code limits} on
   * every client: the head sizes they allow, idle connections and slow heads closed, malformed
   * requests answered in OpenAI's error shape (see {@link ClientGuard}).
   */
  public static Future<Deployed> deploy(Vertx vertx, HttpServerOptions options, ClientLimits limits, Handler<HttpServerRequest> handler,
      int instances, Duration drain) {
    if (limits != null) {
      options = new HttpServerOptions(options).setMaxHeaderSize(limits.maxHeaderBytes()).setMaxInitialLineLength(limits.maxUrlBytes());
    }
    HttpServerOptions serverOptions = options;
    int listenPort = options.getPort() == 0 ? NEXT_SHARED_EPHEMERAL_PORT.getAndDecrement() : options.getPort();
    AtomicInteger bound = new AtomicInteger();
    return vertx.deployVerticle(() -> new Listener(serverOptions, limits, listenPort, handler, bound, drain),
            new DeploymentOptions().setInstances(instances))
        .map(id -> new Deployed(id, bound.get()));
  }

  private static final class Listener implements Deployable {
    private final HttpServerOptions options;
    private final ClientLimits limits;
    private final int listenPort;
    private final Handler<HttpServerRequest> handler;
    private final AtomicInteger bound;
    private final Duration drain;
    private HttpServer server;

    Listener(HttpServerOptions options, ClientLimits limits, int listenPort, Handler<HttpServerRequest> handler, AtomicInteger bound,
        Duration drain) {
      this.options = options;
      this.limits = limits;
      this.listenPort = listenPort;
      this.handler = handler;
      this.bound = bound;
      this.drain = drain;
    }

    @Override
    public Future<?> deploy(Context context) {
      HttpServer created = context.owner().createHttpServer(options);
      if (limits == null) {
        created.requestHandler(handler);
      } else {
        // One guard per server, so its state is touched by this server's event loop only.
        ClientGuard guard = new ClientGuard(context.owner(), limits, handler);
        created.connectionHandler(guard::connected).requestHandler(guard::request).invalidRequestHandler(guard::invalid);
      }
      return created.listen(listenPort, options.getHost())
          .onSuccess(listening -> {
            server = listening;
            bound.set(listening.actualPort());
          });
    }

    @Override
    public Future<?> undeploy(Context context) {
      return server.shutdown(drain.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
