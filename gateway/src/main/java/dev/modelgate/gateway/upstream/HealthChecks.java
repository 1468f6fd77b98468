package dev.modelgate.gateway.upstream;

import dev.modelgate.core.Endpoint;
import dev.modelgate.core.PinnedTarget;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.Target;
import dev.modelgate.core.registry.HealthCheck;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Active health checks: for every endpoint of a version with {@code health_check}, a GET of
 * {@code <base URL><path>} every {@code interval}; a non-2xx answer, a timeout or a connection error
 * takes the endpoint out of rotation until a check passes. An endpoint starts in rotation, so a newly
 * registered version serves at once; a failing first check, sent as soon as the check starts,
 * takes it out.
 *
 * <p>Checks follow the routing table: {@link #sync} is told of every new table and, on this
 * verticle's own context (so the map of running checks needs no lock), starts the checks the table
 * asks for and stops, timer included, those it no longer does. Two versions that check one URL
 * the same way share one check; checked differently, each check has its say.
 */
public final class HealthChecks extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(HealthChecks.class.getName());

  private final Map<Key, Check> running = new HashMap<>();
  private volatile RoutingTable latest = RoutingTable.EMPTY;
  private volatile Context home;
  private HttpClient client;

  private record Key(String url, HealthCheck spec) {}

  /** Follows {@code table}: callable from any thread, before or after this verticle starts. */
  public void sync(RoutingTable table) {
    latest = table;
    Context c = home;
    if (c != null) {
      c.runOnContext(v -> apply());
    }
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setName("modelgate-health-checks"), new PoolOptions().setHttp1MaxSize(1));
    // Set before the first apply: a table that arrives meanwhile is then either seen here or re-applied by sync.
    home = context;
    apply();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    for (Check check : running.values()) {
      check.stop();
    }
    running.clear();
    return client.close();
  }

  private void apply() {
    if (client == null) {
      return;
    }
    RoutingTable table = latest;
    Map<Key, Endpoint> wanted = new HashMap<>();
    for (Model model : table.registry().models().values()) {
      for (ModelVersion version : model.versions().values()) {
        if (version.healthCheck() == null) {
          continue;
        }
        Target target = table.lookup(model.name() + ":" + version.id());
        if (target instanceof PinnedTarget pinned) {
          for (Endpoint endpoint : pinned.decision().version().endpoints()) {
            wanted.put(new Key(endpoint.url(), version.healthCheck()), endpoint);
          }
        }
      }
    }
    for (Iterator<Map.Entry<Key, Check>> it = running.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Check> entry = it.next();
      if (wanted.get(entry.getKey()) != entry.getValue().endpoint) {
        entry.getValue().stop();
        it.remove();
      }
    }
    wanted.forEach((key, endpoint) -> {
      if (!running.containsKey(key) && endpoint.gate() instanceof EndpointGuard guard) {
        Check check = new Check(endpoint, guard, key.spec());
        running.put(key, check);
        check.start();
      }
    });
  }

  /** Checks one endpoint one way; all its callbacks run on the verticle's context. */
  private final class Check {
    private final Endpoint endpoint;
    private final EndpointGuard guard;
    private final HealthCheck spec;
    private final RequestOptions request;
    private long timerId = -1;
    private boolean inFlight;
    private boolean failing;
    private boolean stopped;

    Check(Endpoint endpoint, EndpointGuard guard, HealthCheck spec) {
      this.endpoint = endpoint;
      this.guard = guard;
      this.spec = spec;
      long timeoutMillis = Math.max(1, spec.timeout().toMillis());
      this.request = new RequestOptions()
          .setMethod(HttpMethod.GET)
          .setHost(endpoint.host())
          .setPort(endpoint.port())
          .setSsl(endpoint.ssl())
          .setURI(endpoint.upstreamPath(spec.path()))
          .setConnectTimeout(timeoutMillis)
          .setIdleTimeout(timeoutMillis);
    }

    void start() {
      probe();
      timerId = vertx.setPeriodic(Math.max(1, spec.interval().toMillis()), id -> probe());
    }

    void stop() {
      stopped = true;
      vertx.cancelTimer(timerId);
      if (failing) {
        failing = false;
        guard.checkRecovered();
      }
    }

    // A check still waiting for its answer is not sent again: a slow backend gets one at a time.
    private void probe() {
      if (inFlight || stopped) {
        return;
      }
      inFlight = true;
      client.request(request)
          .compose(req -> req.send().compose(response -> response.body().map(body -> response.statusCode())))
          .timeout(Math.max(1, spec.timeout().toMillis()), TimeUnit.MILLISECONDS)
          .onComplete(ar -> {
            inFlight = false;
            if (stopped) {
              return;
            }
            int status = ar.succeeded() ? ar.result() : 0;
            verdict(status >= 200 && status < 300, ar.succeeded() ? "status " + status : String.valueOf(ar.cause()));
          });
    }

    private void verdict(boolean passed, String why) {
      String url = endpoint.url() + " (GET " + request.getURI() + ")";
      if (!passed && !failing) {
        failing = true;
        guard.checkFailed();
        LOG.warning(() -> "health check of " + url + " failed (" + why + "): no traffic until it passes");
      } else if (passed && failing) {
        failing = false;
        guard.checkRecovered();
        LOG.info(() -> "health check of " + url + " passed again: back in rotation");
      }
    }
  }
}
