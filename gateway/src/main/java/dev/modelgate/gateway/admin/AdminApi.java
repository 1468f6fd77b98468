package dev.modelgate.gateway.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import dev.modelgate.gateway.cache.ResponseCache;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.registry.RegistryFollowing;
import dev.modelgate.gateway.registry.SyncStatus;
import dev.modelgate.core.rollout.GateFigures;
import dev.modelgate.core.rollout.Refusal;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutMachine;
import dev.modelgate.core.rollout.RolloutOutcome;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.rollout.Transition;
import dev.modelgate.core.rollout.Verdict;
import dev.modelgate.gateway.rollout.RolloutDriver;
import dev.modelgate.gateway.rollout.RolloutPlans;
import dev.modelgate.gateway.rollout.SloGuard;
import dev.modelgate.gateway.schema.AdminViews.GateView;
import dev.modelgate.gateway.schema.AdminViews.RolloutView;
import dev.modelgate.gateway.schema.RolloutCommandRequest;
import dev.modelgate.gateway.schema.StartRolloutRequest;
import dev.modelgate.gateway.schema.AdminViews.AliasView;
import dev.modelgate.gateway.schema.AdminViews.CachePurge;
import dev.modelgate.gateway.schema.AdminViews.EventList;
import dev.modelgate.gateway.schema.AdminViews.ModelList;
import dev.modelgate.gateway.schema.AdminViews.ModelView;
import dev.modelgate.gateway.schema.PromoteRequest;
import dev.modelgate.gateway.schema.PurgeCacheRequest;
import dev.modelgate.gateway.schema.RollbackRequest;
import dev.modelgate.gateway.schema.Schema;
import dev.modelgate.gateway.schema.SchemaException;
import dev.modelgate.gateway.schema.SetWeightsRequest;
import dev.modelgate.gateway.schema.VersionJson;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.RoutingState;
import dev.modelgate.gateway.state.StateHealth;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The operations of the admin API (docs/admin-api.md); {@link AdminRoutes} authenticates each call, checks
 * its role and reads its body before it gets here. Every change goes through the {@link
 * ControlPlane}: decided against the current registry on its one writer thread, folded, recorded in
 * the ledger, and only then routed — so the data plane obeys it on the next request, and a refused
 * call writes nothing.
 */
public final class AdminApi {
  private static final Logger LOG = Logger.getLogger(AdminApi.class.getName());
  private static final int DEFAULT_AUDIT_LIMIT = 100;
  private static final int MAX_AUDIT_LIMIT = 1000;

  private final AdminAuth auth;
  private final RoutingState routing;
  private final ControlPlane controlPlane;
  private final SloGuard sloGuard;
  private final RolloutPlans plans;
  private final GatewayMetrics metrics;
  private final ResponseCache cache;
  private final Duration readTimeout;
  private final RegistryFollowing following;

  /**
   * @param cache the response cache, for its purge
   * @param readTimeout how long after its head a request's body may take to arrive
   * @param following registry sync, for its status and the registries' webhooks ({@link RegistryFollowing#NONE}: none)
   */
  public AdminApi(AdminAuth auth, RoutingState routing, ControlPlane controlPlane, SloGuard sloGuard, RolloutPlans plans, GatewayMetrics metrics,
      ResponseCache cache, Duration readTimeout, RegistryFollowing following) {
    this.cache = requireNonNull(cache, "cache");
    this.following = requireNonNull(following, "following");
    this.plans = requireNonNull(plans, "plans");
    this.auth = requireNonNull(auth, "auth");
    this.routing = requireNonNull(routing, "routing");
    this.controlPlane = requireNonNull(controlPlane, "controlPlane");
    this.sloGuard = requireNonNull(sloGuard, "sloGuard");
    this.metrics = requireNonNull(metrics, "metrics");
    this.readTimeout = requireNonNull(readTimeout, "readTimeout");
  }

  /** The tokens that may call this API; without one it is off. */
  AdminAuth auth() {
    return auth;
  }

  /** Whether the state store answers, for {@code /healthz}. */
  StateHealth stateHealth() {
    return controlPlane.health();
  }

  /** How long after its head a request's body may take to arrive. */
  Duration readTimeout() {
    return readTimeout;
  }

  record Reply(int status, JsonNode body) {}

  Future<Reply> registryStatus() {
    return Future.succeededFuture(new Reply(200, Schema.tree(new SyncStatus.Answer(following.status()))));
  }

  /** A registry's webhook: verified by its signature, never by a token; only ever a reason to read the registry again. */
  Future<Reply> registryWebhook(String registry, Function<String, String> header, byte[] body) {
    return following.webhook(registry, header, body).map(answer -> {
      if (answer.status() >= 400) {
        throw new AdminError(answer.status(), answer.code(), answer.message(), null);
      }
      return new Reply(answer.status(), Schema.tree(Map.of("status", answer.code(), "message", answer.message())));
    });
  }

  Future<Reply> models() {
    return Future.succeededFuture(new Reply(200, Schema.tree(ModelList.of(routing.table().registry().models().values()))));
  }

  Future<Reply> model(String model) {
    return Future.succeededFuture(new Reply(200, Schema.tree(ModelView.of(existing(routing.table().registry(), model)))));
  }

  Future<Reply> alias(String model, String alias) {
    return Future.succeededFuture(new Reply(200, aliasView(model, alias)));
  }

  /**
   * Empties the response cache of {@code model}'s answers on this replica. Never needed for
   * correctness (the version is in every key); for an operator who wants the backend asked again.
   * Its body has no keys: one sent by mistake is refused, not ignored.
   */
  Future<Reply> purgeCache(AdminAuth.Caller caller, String model, JsonNode body) {
    parse(body, PurgeCacheRequest.class, Function.identity());
    existing(routing.table().registry(), model);
    int removed = cache.purge(model);
    LOG.info(() -> "cache: " + caller.name() + " purged " + removed + " answer(s) of " + model);
    return Future.succeededFuture(new Reply(200, Schema.tree(new CachePurge(model, removed))));
  }

  private static Model existing(Registry registry, String model) {
    Model found = registry.models().get(model);
    if (found == null) {
      throw AdminError.notFound("The model '" + model + "' does not exist.");
    }
    return found;
  }

  private static Alias existing(Model model, String alias) {
    Alias found = model.aliases().get(alias);
    if (found == null) {
      throw AdminError.notFound("The model '" + model.name() + "' has no alias '" + alias + "'.");
    }
    return found;
  }

  private JsonNode aliasView(String model, String aliasName) {
    Alias alias = existing(existing(routing.table().registry(), model), aliasName);
    Map<String, WindowSnapshot> live = alias.slo() == null ? Map.of() : sloGuard.snapshots(model, aliasName);
    return Schema.tree(AliasView.of(model, alias, live));
  }

  /**
   * The body as its record, built into what the call needs; a body that does not fit its shape is
   * a 400 naming the key, refused whole before anything is decided.
   */
  private static <J, T> T parse(JsonNode body, Class<J> shape, Function<J, T> build) {
    try {
      return build.apply(Schema.convert(body, shape));
    } catch (SchemaException e) {
      throw AdminError.badRequest(e.getMessage(), e.path().isEmpty() ? null : e.path());
    }
  }

  Future<Reply> registerVersion(AdminAuth.Caller caller, String model, JsonNode body) {
    ModelVersion version = parse(body, VersionJson.class, VersionJson::toVersion);
    boolean[] alreadyThere = {false};
    return submit(registry -> {
      Model current = registry.models().get(model);
      ModelVersion registered = current == null ? null : current.versions().get(version.id());
      if (registered != null) {
        if (!registered.equals(version)) {
          throw AdminError.conflict("version_exists", "The model '" + model + "' already has " + version.id() + " with other content; a version never changes.");
        }
        alreadyThere[0] = true;
        return null;
      }
      return draft(caller, Action.REGISTER_VERSION, model, null, new Change.VersionRegistered(version), null);
    }).map(event -> new Reply(alreadyThere[0] ? 200 : 201, Schema.tree(VersionJson.of(version))));
  }

  Future<Reply> setWeights(AdminAuth.Caller caller, String model, String aliasName, JsonNode body) {
    SetWeightsRequest request = parse(body, SetWeightsRequest.class, Function.identity());
    Map<String, Integer> weights = request.weights();
    String stable = request.stable();
    return submit(registry -> {
      Model current = existing(registry, model);
      Alias alias = current.aliases().get(aliasName);
      checkRevision(alias, request.ifRevision());
      notRollingOut(model, alias);
      AliasState before = alias == null ? null : AliasState.of(alias);
      String newStable = stable != null ? stable : alias != null ? alias.stable() : onlyFullWeight(weights);
      AliasState after = new AliasState(weights, newStable, before == null ? 1 : before.revision() + 1);
      return draft(caller, Action.SET_WEIGHTS, model, aliasName, new Change.AliasChanged(before, after), request.reason());
    }).map(event -> new Reply(200, aliasView(model, aliasName)));
  }

  Future<Reply> promote(AdminAuth.Caller caller, String model, String aliasName, JsonNode body) {
    PromoteRequest request = parse(body, PromoteRequest.class, Function.identity());
    return moveAll(caller, Action.PROMOTE, model, aliasName, request.reason(), request.ifRevision(), alias -> request.version())
        .map(event -> new Reply(200, aliasView(model, aliasName)));
  }

  Future<Reply> rollback(AdminAuth.Caller caller, String model, String aliasName, JsonNode body) {
    RollbackRequest request = parse(body, RollbackRequest.class, Function.identity());
    return moveAll(caller, Action.ROLLBACK, model, aliasName, request.reason(), request.ifRevision(), Alias::stable).map(event -> {
      metrics.rollback(model, aliasName, "manual");
      return new Reply(200, aliasView(model, aliasName));
    });
  }

  // Promote and rollback both send the whole alias to one version, which is then stable.
  private Future<AuditEvent> moveAll(AdminAuth.Caller caller, Action action, String model, String aliasName, String reason,
      Long ifRevision, Function<Alias, String> target) {
    return submit(registry -> {
      Alias alias = existing(existing(registry, model), aliasName);
      checkRevision(alias, ifRevision);
      notRollingOut(model, alias);
      AliasState before = AliasState.of(alias);
      return draft(caller, action, model, aliasName, new Change.AliasChanged(before, before.allOn(target.apply(alias))), reason);
    });
  }

  /** What the machine allows an operator to do to a rollout; a refusal is a 409 naming why. */
  enum RolloutCommand {
    PAUSE, RESUME, APPROVE, ABORT
  }

  Future<Reply> startRollout(AdminAuth.Caller caller, String model, String aliasName, JsonNode body) {
    StartRolloutRequest request = parse(body, StartRolloutRequest.class, Function.identity());
    return submit(registry -> {
      Model current = existing(registry, model);
      Alias alias = existing(current, aliasName);
      RolloutPlan plan = plans.plan(model, aliasName);
      if (plan == null) {
        throw AdminError.unprocessable("The alias " + model + ":" + aliasName + " declares no rollout plan (expected: a rollout mapping under"
            + " models." + model + ".aliases." + aliasName + " in the config file).", null);
      }
      if (!current.versions().containsKey(request.version())) {
        throw AdminError.unprocessable("version: names unknown version '" + request.version() + "' (expected one of: "
            + String.join(", ", current.versions().keySet()) + ")", "version");
      }
      RolloutOutcome outcome = RolloutMachine.start(alias.rollout(), plan, request.version(), alias.stable(), caller.name(), controlPlane.clock().instant());
      return rolloutDraft(caller, model, alias, outcome, request.reason());
    }).map(event -> new Reply(201, rolloutView(model, aliasName)));
  }

  Future<Reply> rollout(String model, String aliasName) {
    return Future.succeededFuture(new Reply(200, rolloutView(model, aliasName)));
  }

  Future<Reply> commandRollout(AdminAuth.Caller caller, RolloutCommand command, String model, String aliasName, JsonNode body) {
    RolloutCommandRequest request = parse(body, RolloutCommandRequest.class, Function.identity());
    return submit(registry -> {
      Alias alias = existing(existing(registry, model), aliasName);
      Rollout rollout = withRollout(model, alias);
      RolloutOutcome outcome = switch (command) {
        case PAUSE -> RolloutMachine.pause(rollout);
        case RESUME -> RolloutMachine.resume(rollout);
        case APPROVE -> RolloutMachine.approve(rollout, caller.name(), plans.requireDistinctApprover(), controlPlane.clock().instant());
        case ABORT -> RolloutMachine.abort(rollout);
      };
      return rolloutDraft(caller, model, alias, outcome, request.reason());
    }).map(event -> new Reply(200, rolloutView(model, aliasName)));
  }

  private AuditEventDraft rolloutDraft(AdminAuth.Caller caller, String model, Alias alias, RolloutOutcome outcome, String reason) {
    if (outcome instanceof Refusal refusal) {
      throw AdminError.conflict("rollout_conflict", refusal.reason());
    }
    return RolloutDriver.draft(controlPlane.clock().instant(), caller.name(), model, alias.name(), AliasState.of(alias), (Transition) outcome,
        reason, Map.of());
  }

  private static Rollout withRollout(String model, Alias alias) {
    if (alias.rollout() == null) {
      throw AdminError.notFound("The alias " + model + ":" + alias.name() + " has had no rollout; start one with POST …/rollouts.");
    }
    return alias.rollout();
  }

  private JsonNode rolloutView(String model, String aliasName) {
    Alias alias = existing(existing(routing.table().registry(), model), aliasName);
    Rollout rollout = withRollout(model, alias);
    SloPolicy slo = alias.slo();
    // An edit that took the alias's SLO away leaves nothing to judge the rollout by: it holds, with no gate to show.
    if (slo == null) {
      return Schema.tree(RolloutView.of(model, aliasName, rollout, rollout.nextAt().orElse(null), null));
    }
    Instant now = controlPlane.clock().instant();
    GateFigures figures = RolloutDriver.figures(rollout, slo, sloGuard.snapshots(model, aliasName), now);
    Verdict verdict = RolloutMachine.verdict(rollout, slo, figures, now);
    Instant nextAt = rollout.nextAt().map(at -> {
      Instant windowInPhase = rollout.enteredAt().plus(slo.window());
      return at.isAfter(windowInPhase) ? at : windowInPhase;
    }).orElse(null);
    return Schema.tree(RolloutView.of(model, aliasName, rollout, nextAt, GateView.of(figures.phase(), rollout.plan().minRequests(), slo, verdict)));
  }

  Future<Reply> audit(HttpServerRequest request) {
    String model = request.getParam("model");
    String alias = request.getParam("alias");
    String since = request.getParam("since");
    int limit = DEFAULT_AUDIT_LIMIT;
    String limitText = request.getParam("limit");
    if (limitText != null) {
      if (!limitText.matches("\\d{1,4}") || Integer.parseInt(limitText) < 1 || Integer.parseInt(limitText) > MAX_AUDIT_LIMIT) {
        throw AdminError.badRequest("limit: '" + limitText + "' (expected: an integer from 1 to " + MAX_AUDIT_LIMIT + ")", "limit");
      }
      limit = Integer.parseInt(limitText);
    }
    long afterSeq = 0;
    Instant afterTime = null;
    if (since != null) {
      if (since.matches("\\d{1,18}")) {
        afterSeq = Long.parseLong(since);
      } else {
        try {
          afterTime = Instant.parse(since);
        } catch (DateTimeParseException e) {
          throw AdminError.badRequest("since: '" + since + "' (expected: a seq number or an ISO-8601 time such as 2026-11-28T10:00:00Z)", "since");
        }
      }
    }
    Instant cutoff = afterTime;
    int max = limit;
    // A time filter reads from the start and keeps the newer events; a seq filter lets the ledger skip.
    return controlPlane.since(afterSeq, cutoff == null ? max : Integer.MAX_VALUE, model, alias).map(events -> {
      List<AuditEvent> out = new ArrayList<>();
      for (AuditEvent event : events) {
        if (out.size() == max) {
          break;
        }
        if (cutoff == null || event.time().isAfter(cutoff)) {
          out.add(event);
        }
      }
      return new Reply(200, Schema.tree(EventList.of(out)));
    });
  }

  private Future<AuditEvent> submit(Function<Registry, AuditEventDraft> decide) {
    return controlPlane.submit(decide);
  }

  private AuditEventDraft draft(AdminAuth.Caller caller, Action action, String model, String alias, Change change, String reason) {
    return new AuditEventDraft(controlPlane.clock().instant(), caller.name(), action, model, alias, change, reason, Map.of());
  }

  private static void checkRevision(Alias alias, Long ifRevision) {
    long current = alias == null ? 0 : alias.revision();
    if (ifRevision != null && ifRevision != current) {
      throw AdminError.conflict("stale_revision", "if_revision is " + ifRevision + " but the alias is at revision " + current + "; read it again and retry.");
    }
  }

  // A rollout under way owns the alias's weights; the fold would refuse the move too, this says what to do.
  private static void notRollingOut(String model, Alias alias) {
    Rollout rollout = alias == null ? null : alias.rollout();
    if (rollout != null && !rollout.status().isTerminal()) {
      throw AdminError.conflict("rollout_in_progress", "A rollout of " + rollout.version() + " is " + rollout.status().wireName() + " on "
          + model + ":" + alias.name() + "; abort it (POST …/rollout/abort) before moving the alias by hand.");
    }
  }

  private static String onlyFullWeight(Map<String, Integer> weights) {
    return weights.entrySet().stream().filter(e -> e.getValue() == 100).map(Map.Entry::getKey).findFirst()
        .orElseThrow(() -> AdminError.badRequest("'stable' is required for a new alias unless one version has all the weight.", "stable"));
  }
}
