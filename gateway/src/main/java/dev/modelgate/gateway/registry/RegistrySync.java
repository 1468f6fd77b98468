package dev.modelgate.gateway.registry;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Durations;
import dev.modelgate.core.Names;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.sync.Follow;
import dev.modelgate.core.sync.Reconcile;
import dev.modelgate.core.sync.SyncDecision;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.config.RegistryConfig;
import dev.modelgate.gateway.config.SourceConfig;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.registry.mlflow.MlflowClient;
import dev.modelgate.gateway.registry.mlflow.MlflowWebhookVerifier;
import dev.modelgate.gateway.registry.wandb.WandbClient;
import dev.modelgate.gateway.registry.wandb.WandbWebhookVerifier;
import dev.modelgate.gateway.rollout.RolloutPlans;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.RoutingState;
import dev.modelgate.gateway.webhook.DeliveryPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Registry sync (docs/registry-sync.md): keeps the aliases that follow a registry in line with it.
 *
 * <p><b>Detection.</b> Every {@code poll_interval}, on the fleet's leader only, and whenever a
 * verified webhook arrives (on whichever replica it reaches), each followed registry alias is read
 * from the registry itself ({@link RegistryClient#aliasTarget}) and handed to the pure
 * {@link Reconcile}, run on the control plane's one writer against the registry as it then is, which
 * records what it decides as one batch. So a webhook and a poll arriving together, or two replicas,
 * record it once. A registry that cannot be read, or answers garbage, changes nothing here; the
 * status says why.
 *
 * <p><b>Write-back.</b> The events this replica records are read for outcomes: a rollout completed
 * (or a switch made) marks the version {@code serving}, an automatic rollback marks it
 * {@code rolled_back} and, with {@code move_alias_back_on_rollback}, points the registry alias at the
 * version that serves. Each is sent off the writer thread and, if the registry does not take it,
 * kept and retried on every poll until it does, shown in the status meanwhile; routing never waits
 * for it.
 *
 * <p>Everything mutable here is touched on one Vert.x context (timers, webhooks handed over, the
 * event listener's hand-off), apart from the volatile fields the status reads.
 */
public final class RegistrySync implements RegistryFollowing {
  private static final Logger LOG = Logger.getLogger(RegistrySync.class.getName());
  private static final RolloutPlan DEFAULT_PLAN = new RolloutPlan(RolloutPlan.DEFAULT_STEPS, RolloutPlan.DEFAULT_STEP_INTERVAL,
      RolloutPlan.DEFAULT_MIN_REQUESTS, List.of(), null, null);
  private static final Duration MAX_CALL_BUDGET = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final Context context;
  private final ControlPlane controlPlane;
  private final RoutingState routing;
  private final RolloutPlans plans;
  private final BooleanSupplier leads;
  private final GatewayMetrics metrics;
  private final Map<String, Followed> registries;
  private final List<Long> timers = new ArrayList<>();

  private static final class Followed {
    final RegistryConfig config;
    final RegistryClient client;
    final WebhookVerifier verifier;
    final List<FollowState> follows = new ArrayList<>();
    final AtomicBoolean busy = new AtomicBoolean();
    volatile boolean again;
    volatile Instant lastSuccess;
    volatile String lastError;
    volatile Instant lastErrorAt;
    final ConcurrentLinkedQueue<WriteBack> pending = new ConcurrentLinkedQueue<>();

    Followed(RegistryConfig config, RegistryClient client, WebhookVerifier verifier) {
      this.config = config;
      this.client = client;
      this.verifier = verifier;
    }
  }

  private static final class FollowState {
    final String model;
    final String alias;
    final String registryAlias;
    final SourceConfig source;
    volatile Long registryVersion;
    volatile Instant lastSync;
    volatile String summary;
    volatile String error;

    FollowState(String model, String alias, String registryAlias, SourceConfig source) {
      this.model = model;
      this.alias = alias;
      this.registryAlias = registryAlias;
      this.source = source;
    }
  }

  private static final class WriteBack {
    final String what;
    final Function<RegistryClient, Future<Void>> call;
    volatile int attempts;
    volatile String lastError;
    final AtomicBoolean inFlight = new AtomicBoolean();

    WriteBack(String what, Function<RegistryClient, Future<Void>> call) {
      this.what = what;
      this.call = call;
    }
  }

  private RegistrySync(Vertx vertx, ControlPlane controlPlane, RoutingState routing, RolloutPlans plans, BooleanSupplier leads,
      GatewayMetrics metrics, Map<String, Followed> registries) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.controlPlane = controlPlane;
    this.routing = routing;
    this.plans = plans;
    this.leads = leads;
    this.metrics = metrics;
    this.registries = registries;
  }

  /** The registries' clients and webhook verifiers, made before anything else of the gateway holds a resource. */
  public static final class Clients {
    private final Map<String, Followed> registries;

    private Clients(Map<String, Followed> registries) {
      this.registries = registries;
    }
  }

  /**
   * The clients of the registries {@code config} declares, each with its credential and webhook secret
   * read from the environment.
   *
   * @param policy the retry schedule and timeouts of registry calls; its give-up time is capped at
   *     each registry's poll interval (and 30 s), so a registry that is down shows as such within one poll
   * @throws IllegalArgumentException naming the key when a variable is not set
   */
  public static Clients clients(Vertx vertx, GatewayConfig config, Function<String, String> environment, DeliveryPolicy policy) {
    requireNonNull(vertx, "vertx");
    requireNonNull(environment, "environment");
    requireNonNull(policy, "policy");
    Map<String, Followed> registries = new LinkedHashMap<>();
    for (RegistryConfig registry : config.registries().values()) {
      String at = "registries." + registry.name();
      String credential = secret(environment, at + (registry.kind() == RegistryConfig.Kind.WANDB ? ".api_key_env" : ".token_env"),
          registry.credentialEnv());
      String webhookSecret = secret(environment, at + ".webhook_secret_env", registry.webhookSecretEnv());
      Duration budget = min(min(policy.giveUpAfter(), registry.pollInterval()), MAX_CALL_BUDGET);
      DeliveryPolicy calls = new DeliveryPolicy(policy.firstRetry(), max(policy.firstRetry(), min(policy.maxRetry(), budget)), budget, 1,
          policy.connectTimeout(), policy.requestTimeout());
      WebhookVerifier verifier = webhookSecret == null ? null : verifier(registry, webhookSecret);
      registries.put(registry.name(), new Followed(registry, client(vertx, new RegistryHttp(vertx, calls, registry.name()), registry, credential),
          verifier));
    }
    config.sources().forEach((model, source) -> {
      Followed registry = registries.get(source.registry());
      source.follow().forEach((registryAlias, alias) -> registry.follows.add(new FollowState(model, alias, registryAlias, source)));
    });
    return new Clients(registries);
  }

  /** The sync of {@code clients}' registries; nothing runs before {@link #start}. */
  public static RegistrySync create(Vertx vertx, Clients clients, ControlPlane controlPlane, RoutingState routing, RolloutPlans plans,
      BooleanSupplier leads, GatewayMetrics metrics) {
    return new RegistrySync(requireNonNull(vertx, "vertx"), requireNonNull(controlPlane, "controlPlane"), requireNonNull(routing, "routing"),
        requireNonNull(plans, "plans"), requireNonNull(leads, "leads"), requireNonNull(metrics, "metrics"), clients.registries);
  }

  /** The one place a registry's client is made from its config. */
  static RegistryClient client(Vertx vertx, RegistryHttp http, RegistryConfig registry, String credential) {
    return switch (registry.kind()) {
      case MLFLOW -> new MlflowClient(vertx, http, registry.url(), credential);
      case WANDB -> new WandbClient(vertx, http, registry.url(), credential);
    };
  }

  /** The one place a registry's webhook verifier is made from its config. */
  static WebhookVerifier verifier(RegistryConfig registry, String secret) {
    return switch (registry.kind()) {
      case MLFLOW -> new MlflowWebhookVerifier(secret);
      case WANDB -> new WandbWebhookVerifier(secret);
    };
  }

  private static String secret(Function<String, String> environment, String at, String variable) {
    if (variable == null) {
      return null;
    }
    String value = environment.apply(variable);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(at + ": environment variable " + variable + " is not set");
    }
    return value.strip();
  }

  /** Starts polling: a first sync at once, then every registry's {@code poll_interval}. */
  public void start() {
    context.runOnContext(v -> {
      for (Followed registry : registries.values()) {
        if (registry.follows.isEmpty()) {
          continue;
        }
        timers.add(vertx.setTimer(1, id -> poll(registry)));
        timers.add(vertx.setPeriodic(registry.config.pollInterval().toMillis(), id -> poll(registry)));
      }
    });
  }

  /** Stops polling and closes the clients; write-backs still pending are logged and dropped. */
  public Future<Void> close() {
    Promise<Void> closed = Promise.promise();
    context.runOnContext(v -> {
      timers.forEach(vertx::cancelTimer);
      for (Followed registry : registries.values()) {
        if (!registry.pending.isEmpty()) {
          LOG.warning(() -> "registry " + registry.config.name() + ": " + registry.pending.size() + " write-back(s) not done at shutdown: "
              + registry.pending.stream().map(w -> w.what).toList());
        }
        registry.client.close();
      }
      closed.complete();
    });
    return closed.future();
  }

  /** Listens to the events this replica records, for outcomes to write back; call from the control plane's writer. */
  public void recorded(AuditEvent event) {
    List<WriteBack> due = new ArrayList<>();
    for (Followed registry : registries.values()) {
      for (FollowState follow : registry.follows) {
        if (follow.model.equals(event.model()) && follow.alias.equals(event.alias())) {
          writeBacks(event, follow, due);
          due.forEach(registry.pending::add);
          if (!due.isEmpty()) {
            context.runOnContext(v -> writeBack(registry));
          }
          due.clear();
        }
      }
    }
  }

  // Write-backs are retried wherever their event was recorded; reading the registry is the leader's.
  private void poll(Followed registry) {
    writeBack(registry);
    if (leads.getAsBoolean()) {
      sync(registry);
    }
  }

  // A sync asked for while one runs makes it run once more after, so no webhook is lost: the flag is
  // raised before the claim, and the one that finishes looks at it after letting go.
  private void sync(Followed registry) {
    registry.again = true;
    if (!registry.busy.compareAndSet(false, true)) {
      return;
    }
    registry.again = false;
    Future<Void> chain = Future.succeededFuture();
    for (FollowState follow : registry.follows) {
      chain = chain.compose(v -> syncOne(registry, follow));
    }
    chain.onComplete(done -> {
      registry.busy.set(false);
      if (registry.again) {
        sync(registry);
      }
    });
  }

  private Future<Void> syncOne(Followed registry, FollowState follow) {
    String name = registry.config.name();
    return registry.client.aliasTarget(follow.source.path(), follow.registryAlias).compose(seen -> {
      registry.lastSuccess = Instant.now();
      follow.lastSync = registry.lastSuccess;
      if (seen.isEmpty()) {
        follow.registryVersion = null;
        follow.summary = follow.source.path() + "@" + follow.registryAlias + " is not set in the registry; nothing to follow";
        follow.error = null;
        metrics.registrySync(name, "unchanged");
        return Future.<Void>succeededFuture();
      }
      RegistryVersion version = seen.get();
      follow.registryVersion = version.number();
      ModelVersion rendered = follow.source.serving().render(version.number(), version.artifact(), version.lineage(), version.metadata());
      Follow spec = new Follow(name, follow.source.path(), follow.registryAlias, follow.model, follow.alias, follow.source.onNewVersion(),
          plan(follow), follow.source.serving());
      AtomicReference<SyncDecision> decided = new AtomicReference<>();
      return controlPlane.submitAll(current -> {
        SyncDecision decision = Reconcile.decide(current, spec, version.number(), rendered, controlPlane.clock().instant());
        decided.set(decision);
        return decision.drafts();
      }).<Void>map(events -> {
        follow.summary = decided.get().summary();
        follow.error = null;
        metrics.registrySync(name, events.isEmpty() ? "unchanged" : "changed");
        if (!events.isEmpty()) {
          LOG.info(() -> "registry " + name + ": recorded " + events.stream().map(e -> e.action() + " (seq " + e.seq() + ")").toList()
              + ": " + decided.get().summary());
        }
        return null;
      });
    }).recover(failure -> {
      String message = message(failure);
      follow.error = message;
      follow.lastSync = Instant.now();
      registry.lastError = follow.model + ":" + follow.alias + ": " + message;
      registry.lastErrorAt = follow.lastSync;
      metrics.registrySync(name, "error");
      LOG.warning(() -> "registry " + name + ": sync of " + follow.model + ":" + follow.alias + " failed, nothing changed here: " + message);
      return Future.succeededFuture();
    });
  }

  private RolloutPlan plan(FollowState follow) {
    RolloutPlan plan = plans.plan(follow.model, follow.alias);
    return plan == null ? DEFAULT_PLAN : plan;
  }

  // On the context: sends each pending write-back that is not already on its way.
  private void writeBack(Followed registry) {
    for (WriteBack next : registry.pending) {
      if (!next.inFlight.compareAndSet(false, true)) {
        continue;
      }
      next.attempts++;
      next.call.apply(registry.client).onComplete(done -> {
        next.inFlight.set(false);
        if (done.succeeded()) {
          registry.pending.remove(next);
          LOG.info(() -> "registry " + registry.config.name() + ": wrote back " + next.what);
        } else {
          next.lastError = message(done.cause());
          LOG.warning(() -> "registry " + registry.config.name() + ": write-back " + next.what + " failed (attempt " + next.attempts
              + "), retried on the next poll: " + next.lastError);
        }
      });
    }
  }

  /** The outcomes {@code event} reports for a followed alias, as registry calls. */
  private static void writeBacks(AuditEvent event, FollowState follow, List<WriteBack> due) {
    if (!(event.change() instanceof Change.AliasChanged moved)) {
      return;
    }
    SourceConfig source = follow.source;
    String path = source.path();
    var after = moved.after();
    if (event.action() == Action.ROLLOUT_COMPLETED || (event.action() == Action.REGISTRY_SYNCED && after.rollout() == null)) {
      String serving = event.action() == Action.ROLLOUT_COMPLETED ? after.rollout().version() : after.stable();
      if (source.writeBackStatus()) {
        due.add(status(path, serving, ServingStatus.SERVING));
      }
    } else if (event.action() == Action.AUTO_ROLLBACK) {
      List<String> rolledBack = new ArrayList<>();
      if (after.rollout() != null) {
        rolledBack.add(after.rollout().version());
      } else if (moved.before() != null) {
        moved.before().weights().forEach((version, weight) -> {
          if (weight > 0 && !version.equals(after.stable())) {
            rolledBack.add(version);
          }
        });
      }
      if (source.writeBackStatus()) {
        rolledBack.forEach(version -> due.add(status(path, version, ServingStatus.ROLLED_BACK)));
      }
      if (source.moveAliasBackOnRollback()) {
        long serving = Names.versionNumber(after.stable());
        due.add(new WriteBack("alias " + follow.registryAlias + " of " + path + " back to version " + serving,
            client -> client.moveAlias(path, follow.registryAlias, serving)));
      }
    }
  }

  private static WriteBack status(String path, String version, ServingStatus status) {
    long number = Names.versionNumber(version);
    return new WriteBack(status.wireName() + " on version " + number + " of " + path, client -> client.markStatus(path, number, status));
  }

  @Override
  public Future<WebhookAnswer> webhook(String name, Function<String, String> header, byte[] body) {
    Followed registry = registries.get(name);
    if (registry == null) {
      return Future.succeededFuture(unknown(name));
    }
    if (registry.verifier == null) {
      return Future.succeededFuture(new WebhookAnswer(403, "webhooks_off", "Registry '" + name
          + "' has no webhook_secret_env configured, so its webhooks are refused; polling every "
          + Durations.format(registry.config.pollInterval()) + " follows it."));
    }
    try {
      registry.verifier.verify(header, body, Instant.now());
    } catch (WebhookVerifier.WebhookRefusedException e) {
      LOG.warning(() -> "registry " + name + ": webhook refused: " + e.getMessage());
      return Future.succeededFuture(new WebhookAnswer(401, "invalid_signature", "Webhook refused: " + e.getMessage()));
    }
    context.runOnContext(v -> sync(registry));
    return Future.succeededFuture(new WebhookAnswer(202, "accepted", "Verified; registry '" + name + "' is read again and its followed aliases synced."));
  }

  static WebhookAnswer unknown(String name) {
    return new WebhookAnswer(404, "not_found", "No registry '" + name + "' is configured (expected: a name under registries).");
  }

  @Override
  public List<SyncStatus.Registry> status() {
    Instant now = Instant.now();
    List<SyncStatus.Registry> all = new ArrayList<>();
    Map<String, Model> models = routing.table().registry().models();
    for (Followed registry : registries.values()) {
      List<SyncStatus.Followed> followed = new ArrayList<>();
      for (FollowState follow : registry.follows) {
        Model model = models.get(follow.model);
        Alias alias = model == null ? null : model.aliases().get(follow.alias);
        SyncStatus.Here here = alias == null ? new SyncStatus.Here(null, null, null, null, null)
            : new SyncStatus.Here(alias.weights(), alias.stable(), alias.revision(),
                alias.rollout() == null ? null : alias.rollout().version(), alias.rollout() == null ? null : alias.rollout().status().wireName());
        followed.add(new SyncStatus.Followed(follow.model, follow.alias, follow.source.path(), follow.registryAlias, follow.registryVersion,
            here, text(follow.lastSync), follow.summary, follow.error));
      }
      List<SyncStatus.WriteBack> pending = registry.pending.stream().map(w -> new SyncStatus.WriteBack(w.what, w.attempts, w.lastError)).toList();
      Instant success = registry.lastSuccess;
      all.add(new SyncStatus.Registry(registry.config.name(), registry.config.kind().wireName(), registry.config.url(),
          Durations.format(registry.config.pollInterval()), registry.verifier != null, leads.getAsBoolean(),
          text(success), registry.lastError, text(registry.lastErrorAt),
          success == null ? null : Duration.between(success, now).toMillis() / 1000.0, followed, pending));
    }
    return all;
  }

  private static String text(Instant time) {
    return time == null ? null : time.toString();
  }

  // A registry failure's message names the call and never a credential; anything else is named by its kind too.
  private static String message(Throwable failure) {
    return failure instanceof RegistryException || failure instanceof IllegalArgumentException
        ? failure.getMessage() : failure.getClass().getSimpleName() + ": " + failure.getMessage();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
