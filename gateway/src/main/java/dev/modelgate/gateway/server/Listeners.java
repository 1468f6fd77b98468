package dev.modelgate.gateway.server;

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
    int listenPort = options.getPort() == 0 ? NEXT_SHARED_EPHEMERAL_PORT.getAndDecrement() : options.getPort();
    AtomicInteger bound = new AtomicInteger();
    return vertx.deployVerticle(() -> new Listener(options, listenPort, handler, bound, drain), new DeploymentOptions().setInstances(instances))
        .map(id -> new Deployed(id, bound.get()));
  }

  private static final class Listener implements Deployable {
    private final HttpServerOptions options;
    private final int listenPort;
    private final Handler<HttpServerRequest> handler;
    private final AtomicInteger bound;
    private final Duration drain;
    private HttpServer server;

    Listener(HttpServerOptions options, int listenPort, Handler<HttpServerRequest> handler, AtomicInteger bound, Duration drain) {
      this.options = options;
      this.listenPort = listenPort;
      this.handler = handler;
      this.bound = bound;
      this.drain = drain;
    }

    @Override
    public Future<?> deploy(Context context) {
      return context.owner().createHttpServer(options).requestHandler(handler)
          .listen(listenPort, options.getHost())
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
