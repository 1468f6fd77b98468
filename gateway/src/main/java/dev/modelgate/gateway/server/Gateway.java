package dev.modelgate.gateway.server;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Ticker;
import dev.modelgate.gateway.admin.AdminApi;
import dev.modelgate.gateway.admin.AdminAuth;
import dev.modelgate.gateway.admin.AdminHandler;
import dev.modelgate.gateway.cache.ResponseCache;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.config.ServerConfig;
import dev.modelgate.gateway.log.AccessLog;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.netty.VertxNetty;
import dev.modelgate.gateway.proxy.DataPlane;
import dev.modelgate.gateway.proxy.ProxyHandler;
import dev.modelgate.gateway.proxy.ProxySettings;
import dev.modelgate.gateway.registry.RegistrySync;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.gateway.rollout.GuardFleet;
import dev.modelgate.gateway.rollout.RolloutPlans;
import dev.modelgate.gateway.rollout.SloGuard;
import dev.modelgate.gateway.rollout.SloWindows;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.FileLedger;
import dev.modelgate.gateway.state.Ledger;
import dev.modelgate.gateway.state.RoutingState;
import dev.modelgate.gateway.state.StateHealth;
import dev.modelgate.gateway.state.postgres.LedgerListener;
import dev.modelgate.gateway.state.postgres.PostgresGuardFleet;
import dev.modelgate.gateway.state.postgres.PostgresOutbox;
import dev.modelgate.gateway.state.postgres.PostgresLedger;
import dev.modelgate.gateway.upstream.EndpointGuards;
import dev.modelgate.gateway.upstream.HealthChecks;
import dev.modelgate.gateway.upstream.UpstreamPool;
import dev.modelgate.gateway.webhook.DeliveryPolicy;
import dev.modelgate.gateway.webhook.Webhooks;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A running gateway: the data plane on one server per event loop, the admin port, the pooled
 * upstream client, the routing root, metrics, webhooks and the access log. The only place they are assembled.
 */
public final class Gateway {
  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());
  // Idle backend connections are closed after this: below the 5 s keep-alive of uvicorn (vLLM's
  // server), so the gateway closes a quiet connection before the backend does and seldom sends a
  // request into a connection the backend is closing (that request would fail with 502).
  private static final Duration UPSTREAM_IDLE = Duration.ofSeconds(4);
  private static final int WORKER_THREADS = 4;

  private final Vertx vertx;
  private final VertxNetty netty;
  private final GatewayConfig config;
  private final boolean ownsVertx;
  private final RoutingState routing;
  private final SloGuard sloGuard;
  private final RolloutPlans rolloutPlans;
  private final WorkerExecutor controlWriter;
  private final ControlPlane controlPlane;
  // Only with state.kind: postgres, where other replicas append too.
  private final LedgerListener ledgerListener;
  private final PostgresGuardFleet guardFleet;
  private final GatewayMetrics metrics;
  private final ResponseCache responseCache;
  private final AccessLog accessLog;
  private final UpstreamPool upstreams;
  private final List<String> clientKeys;
  private final AdminAuth adminAuth;
  private final Webhooks webhooks;
  private final RegistrySync registrySync;
  private final HealthChecks healthChecks = new HealthChecks();
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private DataPlane dataPlane;
  private volatile int port;
  private volatile int adminPort;
  private volatile boolean ready;
  private volatile String closeStep = "nothing: not closing";

  private Gateway(Vertx vertx, boolean ownsVertx, GatewayConfig config, Function<String, String> environment, DeliveryPolicy webhookPolicy) {
    this.vertx = vertx;
    this.netty = VertxNetty.of(vertx);
    this.ownsVertx = ownsVertx;
    this.config = config.withoutRegistry();
    // Everything that can refuse the config comes before anything that holds a thread or a file.
    this.clientKeys = clientKeys(config, environment);
    this.adminAuth = AdminAuth.from(config.auth(), environment);
    List<Webhooks.Target> webhookTargets = Webhooks.targets(config.webhooks(), environment);
    RegistrySync.Clients registryClients = RegistrySync.clients(vertx, config, environment, webhookPolicy);
    // Registry sync reads the events this replica records for outcomes to write back; it exists once the plane does.
    AtomicReference<Consumer<AuditEvent>> registryEvents = new AtomicReference<>(event -> { });
    this.metrics = new GatewayMetrics();
    Ticker ticker = Ticker.system();
    SloWindows sloWindows = new SloWindows(ticker);
    this.responseCache = new ResponseCache(config.server().cacheMaxBytes(), config.caches(), ticker);
    metrics.bind(responseCache);
    this.routing = new RoutingState(environment, new EndpointGuards(config.server().circuitBreaker()), table -> {
      metrics.routingChanged(table);
      responseCache.routingChanged(table);
      sloWindows.routingChanged(table);
      healthChecks.sync(table);
    });
    routing.declareDeliveries(config.deliveries());
    this.controlWriter = vertx.createSharedWorkerExecutor("modelgate-control@" + Integer.toHexString(System.identityHashCode(this)), 1);
    Ledger ledger = null;
    Webhooks started = null;
    try {
      ledger = openLedger(vertx, config.state(), environment, config.server().replicaId(), config.registry());
      started = startWebhooks(vertx, ledger, webhookTargets, webhookPolicy, ticker, config, environment);
      // Webhooks listen from the start, so the config events open records are delivered too.
      this.controlPlane = ControlPlane.open(ledger, routing, controlWriter, config.registry(), Clock.systemUTC(),
          List.of(started::publish, event -> registryEvents.get().accept(event)));
    } catch (RuntimeException e) {
      closeQuietly(ledger);
      controlWriter.close();
      if (started != null) {
        started.close();
      }
      metrics.close();
      throw e;
    }
    this.webhooks = started;
    this.ledgerListener = ledger instanceof PostgresLedger
        ? LedgerListener.start(vertx, config.state(), environment, config.server().replicaId(), controlPlane::foldedSeq, () -> {
          controlPlane.catchUp();
          webhooks.wake();
        }, () -> !controlPlane.health().available())
        : null;
    this.guardFleet = ledger instanceof PostgresLedger
        ? PostgresGuardFleet.start(vertx, config.state(), environment, config.server().replicaId(), this::shortestEvaluationInterval)
        : null;
    this.rolloutPlans = new RolloutPlans(config);
    this.sloGuard = new SloGuard(routing, sloWindows, controlPlane,
        guardFleet != null ? guardFleet : GuardFleet.single(config.server().replicaId()), metrics, ticker);
    metrics.sloGuardLeader(sloGuard::leads);
    // Registry sync polls on the fleet's leader, the one that drives rollouts.
    this.registrySync = RegistrySync.create(vertx, registryClients, controlPlane, routing, rolloutPlans, sloGuard::leads, metrics);
    registryEvents.set(registrySync::recorded);
    StateHealth stateHealth = controlPlane.health();
    metrics.stateDegraded(() -> !stateHealth.available());
    this.accessLog = AccessLog.open(config.accessLog());
    this.upstreams = new UpstreamPool(netty.channelFactory(), netty.addressResolverGroup(),
        config.server().connectTimeout(), UPSTREAM_IDLE);
  }

  // How often a replica tries for the guard's lead: the shortest evaluation interval it guards by.
  private Duration shortestEvaluationInterval() {
    Duration shortest = SloPolicy.DEFAULT_EVALUATION_INTERVAL;
    for (Model model : routing.table().registry().models().values()) {
      for (Alias alias : model.aliases().values()) {
        if (alias.slo() != null && alias.slo().evaluationInterval().compareTo(shortest) < 0) {
          shortest = alias.slo().evaluationInterval();
        }
      }
    }
    return shortest;
  }

  /**
   * Opens the ledger {@code state} configures, as {@code serve} does ({@code modelgate state} moves one between stores).
   *
   * @throws UncheckedIOException naming the store when it cannot be opened
   */
  public static Ledger openLedger(Vertx vertx, StateConfig state, Function<String, String> environment, String replicaId) {
    return openLedger(vertx, state, environment, replicaId, Registry.EMPTY);
  }

  // likely: the config file's models, whose versions a snapshot's equal ones share (one copy of each, not two).
  private static Ledger openLedger(Vertx vertx, StateConfig state, Function<String, String> environment, String replicaId, Registry likely) {
    if (state.kind().equals(StateConfig.POSTGRES)) {
      try {
        return PostgresLedger.open(vertx, state, environment, replicaId, likely);
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }
    try {
      return FileLedger.open(state.dir(), likely);
    } catch (IOException e) {
      throw new UncheckedIOException("state.dir: cannot open the ledger in " + state.dir() + ": " + e.getMessage(), e);
    }
  }

  // In a fleet each event is delivered once, by whichever replica holds the webhook's lease; alone, from memory.
  private Webhooks startWebhooks(Vertx vertx, Ledger ledger, List<Webhooks.Target> targets, DeliveryPolicy policy, Ticker ticker,
      GatewayConfig config, Function<String, String> environment) {
    if (!(ledger instanceof PostgresLedger) || targets.isEmpty()) {
      return new Webhooks(vertx, targets, metrics, policy, ticker);
    }
    try {
      PostgresOutbox queue = PostgresOutbox.open(vertx, config.state(), environment, config.server().replicaId(), targets, ledger.lastSeq());
      return Webhooks.shared(vertx, targets, metrics, policy, ticker, Clock.systemUTC(), queue);
    } catch (IOException e) {
      throw new UncheckedIOException("webhooks: " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(Ledger ledger) {
    if (ledger == null) {
      return;
    }
    try {
      ledger.close();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "closing the ledger failed", e);
    }
  }

  private static List<String> clientKeys(GatewayConfig config, Function<String, String> environment) {
    List<String> keys = new ArrayList<>();
    List<String> names = config.auth().clientKeysEnv();
    for (int i = 0; i < names.size(); i++) {
      String key = environment.apply(names.get(i));
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("auth.client_keys_env[" + i + "]: environment variable " + names.get(i) + " is not set");
      }
      keys.add(key.trim());
    }
    return keys;
  }

  /**
   * A Vert.x instance sized for the gateway: one event loop per core, native transport when available,
   * and a small worker pool: its only users are the control loop, the config watcher and /metrics
   * (the ledger has its own writer), and the default 20 threads would each keep a stack resident.
   */
  public static Vertx newVertx() {
    return Vertx.vertx(new VertxOptions()
        .setPreferNativeTransport(true)
        .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors())
        .setWorkerPoolSize(WORKER_THREADS));
  }

  /** Starts a gateway on its own Vert.x instance. */
  public static Future<Gateway> start(GatewayConfig config, Function<String, String> environment) {
    return start(newVertx(), true, config, environment, DeliveryPolicy.DEFAULT);
  }

  /** Starts a gateway on {@code vertx}, which the caller keeps and closes. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, Function<String, String> environment) {
    return start(vertx, false, config, environment, DeliveryPolicy.DEFAULT);
  }

  /** Starts a gateway on {@code vertx}, which the caller keeps and closes, with its own webhook retries (tests use milliseconds). */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, Function<String, String> environment, DeliveryPolicy webhookPolicy) {
    return start(vertx, false, config, environment, requireNonNull(webhookPolicy, "webhookPolicy"));
  }

  private static Future<Gateway> start(Vertx vertx, boolean ownsVertx, GatewayConfig config, Function<String, String> environment,
      DeliveryPolicy webhookPolicy) {
    requireNonNull(config, "config");
    Gateway gateway;
    try {
      gateway = new Gateway(vertx, ownsVertx, config, environment, webhookPolicy);
    } catch (RuntimeException e) {
      return (ownsVertx ? vertx.close() : Future.<Void>succeededFuture()).transform(v -> Future.failedFuture(e));
    }
    return gateway.listen(config.server()).transform(ar -> {
      if (ar.succeeded()) {
        gateway.ready = true;
        LOG.info(() -> "modelgate listening: data plane " + config.server().host() + ":" + gateway.port
            + ", admin " + config.server().adminHost() + ":" + gateway.adminPort + ", replica " + config.server().replicaId()
            + (vertx.isNativeTransportEnabled() ? " (native transport)" : ""));
        return Future.succeededFuture(gateway);
      }
      return gateway.close().transform(v -> Future.failedFuture(ar.cause()));
    });
  }

  private Future<Void> listen(ServerConfig server) {
    ProxySettings settings = new ProxySettings(server.maxBodyBytes(), server.upstreamTimeout(), server.ssePingInterval(),
        clientKeys, server.clients().requestReadTimeout());
    ProxyHandler proxy = new ProxyHandler(upstreams, routing, settings, accessLog, metrics, sloGuard, responseCache);
    return DataPlane.start(netty, server.host(), server.port(), server.clients(), proxy)
        .compose(data -> {
          dataPlane = data;
          port = data.port();
          return Listeners.deploy(vertx, serverOptions(server.adminHost(), server.adminPort()), server.clients(), new AdminHandler(vertx, metrics,
              () -> ready, new AdminApi(adminAuth, routing, controlPlane, sloGuard, rolloutPlans, metrics,
              responseCache, server.clients().requestReadTimeout(), registrySync), server.replicaId()), 1,
              Duration.ZERO);
        })
        .compose(admin -> {
          deployments.add(admin.deploymentId());
          adminPort = admin.port();
          return vertx.deployVerticle(new ControlLoop(sloGuard), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER));
        })
        .compose(control -> {
          deployments.add(control);
          return vertx.deployVerticle(healthChecks);
        })
        .map(checks -> {
          deployments.add(checks);
          registrySync.start();
          return null;
        });
  }

  /**
   * The one control context (a worker, so building a routing table never stalls an event loop):
   * runs the SLO guard's evaluations, each alias at its own interval.
   */
  private static final class ControlLoop extends VerticleBase {
    private static final long TICK_MILLIS = 100;
    private final SloGuard sloGuard;

    ControlLoop(SloGuard sloGuard) {
      this.sloGuard = sloGuard;
    }

    @Override
    public Future<?> start() {
      vertx.setPeriodic(TICK_MILLIS, id -> {
        try {
          sloGuard.evaluateDue();
        } catch (RuntimeException e) {
          LOG.log(Level.SEVERE, "SLO evaluation failed; the guard keeps running", e);
        }
      });
      return Future.succeededFuture();
    }
  }

  private static HttpServerOptions serverOptions(String host, int port) {
    return new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // No WebSockets here: without these the pipeline carries a WebSocket extension handler that
        // inspects every request and response.
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        // HTTP/1.1 only: what LLM clients speak in clear text, and what the relay and drain are built for.
        .setHttp2ClearTextEnabled(false);
  }

  /**
   * Watches {@code file} (the config this gateway started from) and applies its edits without a
   * restart, checking every {@code every}.
   */
  public Future<Void> watchConfig(Path file, Duration every) {
    ConfigReload reload;
    try {
      reload = new ConfigReload(file, controlPlane, rolloutPlans, responseCache, config);
    } catch (IOException e) {
      return Future.failedFuture(new UncheckedIOException("cannot watch " + file + ": " + e.getMessage(), e));
    }
    return vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        vertx.setPeriodic(every.toMillis(), id -> reload.checkNow());
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).map(id -> {
      deployments.add(id);
      return null;
    });
  }

  /** The data plane's bound port. */
  public int port() {
    return port;
  }

  /** The admin port's bound port. */
  public int adminPort() {
    return adminPort;
  }

  public RoutingState routing() {
    return routing;
  }

  /** The one writer of registry state. */
  public ControlPlane controlPlane() {
    return controlPlane;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Stops accepting requests, lets those in flight (streams included) finish for up to
   * {@code drain_timeout}, then closes upstream connections and flushes the access log. Webhook
   * deliveries still queued or being retried are abandoned (and logged); the ledger keeps their events,
   * and in a fleet another replica takes the webhooks over and sends them.
   */
  public Future<Void> close() {
    ready = false;
    List<Future<Void>> undeployed = new ArrayList<>();
    if (dataPlane != null) {
      undeployed.add(dataPlane.close(config.server().drainTimeout()));
    }
    for (String id : deployments) {
      undeployed.add(vertx.undeploy(id));
    }
    closeStep = "the data plane's drain and the admin port";
    return Future.join(undeployed)
        .transform(v -> {
          upstreams.close();
          return Future.<Void>succeededFuture();
        })
        // Before the writer closes: an announcement must not queue a catch-up on a closed writer.
        .transform(v -> closing("the ledger's announcements", ledgerListener == null ? Future.<Void>succeededFuture() : ledgerListener.close()))
        .transform(v -> closing("the fleet's SLO guard", guardFleet == null ? Future.<Void>succeededFuture() : guardFleet.close()))
        .transform(v -> closing("registry sync", registrySync.close()))
        .transform(v -> closing("the state writer's queued changes", controlWriter.close()))
        // After the writer: no event can be published to closed webhooks.
        .transform(v -> closing("webhook deliveries", webhooks.close()))
        // Closing a ledger blocks (PostgreSQL's waits for its connections), so not on this event loop.
        .transform(v -> closing("the ledger", vertx.executeBlocking(() -> {
          closeQuietly(controlPlane.ledger());
          return null;
        })))
        .transform(v -> {
          accessLog.close();
          metrics.close();
          return closing("Vert.x", ownsVertx ? vertx.close() : Future.<Void>succeededFuture());
        });
  }

  /** What {@link #close()} waits for now: a shutdown that overruns its time says so. */
  public String closeStep() {
    return closeStep;
  }

  private <T> Future<T> closing(String step, Future<T> future) {
    closeStep = step;
    return future;
  }

  @Override
  public String toString() {
    return "Gateway[port=" + port + ", admin=" + adminPort + "]";
  }
}
