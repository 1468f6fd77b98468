package dev.modelgate.gateway.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.Durations;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.Ticker;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.rollout.BreachRuns;
import dev.modelgate.core.rollout.Decision;
import dev.modelgate.core.rollout.Evidence;
import dev.modelgate.core.rollout.GuardMemory;
import dev.modelgate.core.rollout.Rollback;
import dev.modelgate.core.rollout.RolloutDecider;
import dev.modelgate.core.rollout.RolloutState;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowFigures;
import dev.modelgate.core.slo.WindowSnapshot;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.RoutingState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The SLO guard (docs/configuration.md#slo): every routed request's outcome goes into a sliding window per alias and
 * version ({@link SloWindows}, built with each routing table); on the control context, every alias
 * with an SLO policy is judged each {@code evaluation_interval} by the pure {@link RolloutDecider},
 * and a breach sends the alias 100 % to its stable version in one {@code auto_rollback} event with
 * the evidence, through the same {@link ControlPlane} path as a manual rollback.
 *
 * <p>Decide, write, swap, then act: what an evaluation decided is written first — the
 * {@code auto_rollback} event, or the alias's new breach runs — and only once it is stored does the
 * guard take the decider's next state (an alias with a write in flight is not judged meanwhile),
 * then count the metric and log. A rollback the ledger refused (an operator changed the alias
 * since it was judged) starts no cooldown. When the guard first watches an alias it restores the
 * decider's state from the {@link GuardMemory} the control plane keeps, so a restart keeps a
 * cooldown (from the ledger's last {@code auto_rollback}) and the runs of failing evaluations.
 *
 * <p><b>In a fleet</b> ({@link GuardFleet}) every replica publishes its windows' figures each
 * evaluation, and only the leader judges: it sums every replica's fresh figures per version
 * ({@link WindowFigures}, exact, percentiles included) and decides on the totals, so a canary is
 * judged on the fleet's traffic, not on one replica's share of it. Only the leader saves breach
 * runs; a replica that becomes the leader first takes over the memory the previous one left in the
 * store, then judges with it. A process with its own store is a fleet of one that always leads.
 *
 * <p><b>Cut off</b>: a replica whose exchange fails (its store cannot be reached) judges its own
 * windows alone, from the memory the ledger gave it, until an exchange succeeds again; it saves no
 * breach runs meanwhile. A rollback it decides then is routed here at once and written when the
 * store answers ({@link ControlPlane#submitOrHold}); if another replica's change of the alias was
 * written first — the fleet's own rollback, say — that one stands.
 *
 * <p>An alias being rolled out is not the guard's to roll back: its windows go to the
 * {@link RolloutDriver}, which judges the breach with the same rule and ends the rollout with it.
 */
public final class SloGuard {
  private static final Logger LOG = Logger.getLogger(SloGuard.class.getName());

  private static final String ACTOR = "slo-guard";

  private final RoutingState routing;
  private final SloWindows windows;
  private final ControlPlane controlPlane;
  private final GuardFleet fleet;
  private final GatewayMetrics metrics;
  private final Ticker ticker;
  private final RolloutDriver rollouts;
  // Touched only on the control context.
  private final Map<AliasKey, AliasWatch> watches = new HashMap<>();
  // Written on the control context; read by /metrics too.
  private volatile Role role;

  private record AliasKey(String model, String alias) {}

  private record Guarded(Model model, Alias alias, AliasKey key) {}

  // The aliases with an SLO, found once per routing table: the tick runs ten times a second and must
  // not walk every alias of a 10,000-model registry (it took ~6-11 % of the gateway's CPU there).
  private RoutingTable guardedIn;
  private List<Guarded> guarded = List.of();

  /** Which part this replica plays in its fleet's guard: only a leader decides. */
  private enum Role {
    FOLLOWING,
    /** Leads, and is reading what the previous leader left (cooldowns, runs) before deciding. */
    TAKING_OVER,
    LEADING,
    /** Cannot exchange figures: judges its own windows, applying a rollback here at once. */
    ALONE
  }

  private static final class AliasWatch {
    RolloutState state;
    long nextEvaluationNanos;
    // An exchange or a write of this alias is in flight: it is not evaluated meanwhile.
    boolean busy;

    AliasWatch(RolloutState state, long nextEvaluationNanos) {
      this.state = state;
      this.nextEvaluationNanos = nextEvaluationNanos;
    }
  }

  private record Due(Model model, Alias alias, AliasWatch watch) {}

  /**
   * @param windows the windows {@code routing} builds with each table
   * @param fleet the replicas judged together; {@link GuardFleet#single} for a process with its own store
   */
  public SloGuard(RoutingState routing, SloWindows windows, ControlPlane controlPlane, GuardFleet fleet, GatewayMetrics metrics,
      Ticker ticker) {
    this.routing = requireNonNull(routing, "routing");
    this.windows = requireNonNull(windows, "windows");
    this.controlPlane = requireNonNull(controlPlane, "controlPlane");
    this.fleet = requireNonNull(fleet, "fleet");
    this.metrics = requireNonNull(metrics, "metrics");
    this.ticker = requireNonNull(ticker, "ticker");
    this.rollouts = new RolloutDriver(controlPlane, metrics);
    // A fleet of one leads from the start, with the memory the control plane opened with.
    this.role = fleet.shared() ? Role.FOLLOWING : Role.LEADING;
  }

  /**
   * Records one answered request of an alias route. {@code latencyNanos} is the full response time,
   * or for a stream the time to its first token; {@code failed} is whether it counts against the
   * version (upstream errors, timeouts, backend 5xx — never a client's 4xx).
   */
  public void record(RouteDecision decision, long latencyNanos, boolean failed) {
    windows.record(decision, latencyNanos, failed);
  }

  /** The live window of every version of an alias on this replica, for the admin API. */
  public Map<String, WindowSnapshot> snapshots(String model, String alias) {
    Model m = routing.table().registry().models().get(model);
    Alias a = m == null ? null : m.aliases().get(alias);
    Map<String, WindowSnapshot> out = new LinkedHashMap<>();
    if (a != null && a.slo() != null) {
      for (String version : m.versions().keySet()) {
        out.put(version, windows.snapshot(model, a, version));
      }
    }
    return out;
  }

  private static List<Guarded> guardedAliases(RoutingTable table) {
    List<Guarded> out = new ArrayList<>();
    for (Model model : table.registry().models().values()) {
      for (Alias alias : model.aliases().values()) {
        if (alias.slo() != null) {
          out.add(new Guarded(model, alias, new AliasKey(model.name(), alias.name())));
        }
      }
    }
    return out;
  }

  /** Whether this replica decides for its fleet now (always, for a process with its own store). */
  public boolean leads() {
    return role == Role.LEADING;
  }

  /**
   * Publishes and, on the leader, judges every alias whose evaluation is due. Call it from the one
   * control context only, often enough for the shortest {@code evaluation_interval}.
   */
  public void evaluateDue() {
    Context control = Vertx.currentContext();
    followLeadership(control);
    long now = ticker.nanos();
    RoutingTable table = routing.table();
    if (table != guardedIn) {
      guarded = guardedAliases(table);
      guardedIn = table;
      Set<AliasKey> keys = new HashSet<>();
      guarded.forEach(g -> keys.add(g.key()));
      watches.keySet().retainAll(keys);
    }
    List<Due> due = new ArrayList<>();
    List<GuardFleet.AliasFigures> figures = new ArrayList<>();
    for (Guarded g : guarded) {
      Model model = g.model();
      Alias alias = g.alias();
      AliasWatch watch = watches.computeIfAbsent(g.key(), k -> new AliasWatch(
          controlPlane.guardMemory().restore(model.name(), alias, controlPlane.clock().instant(), now),
          now + alias.slo().evaluationInterval().toNanos()));
      if (!watch.busy && now - watch.nextEvaluationNanos >= 0) {
        watch.nextEvaluationNanos = now + alias.slo().evaluationInterval().toNanos();
        watch.busy = true;
        due.add(new Due(model, alias, watch));
        Map<String, WindowFigures> versions = new HashMap<>();
        for (String version : model.versions().keySet()) {
          versions.put(version, windows.figures(model.name(), alias, version));
        }
        figures.add(new GuardFleet.AliasFigures(model.name(), alias.name(), alias.slo().window(), versions));
      }
    }
    if (due.isEmpty()) {
      return;
    }
    boolean deciding = role == Role.LEADING;
    fleet.exchange(figures).onComplete(exchanged -> onControl(control, () -> {
      due.forEach(d -> d.watch().busy = false);
      List<GuardFleet.ReplicaFigures> judged;
      if (exchanged.failed()) {
        if (role != Role.ALONE) {
          LOG.warning("slo guard: cannot exchange window figures with the fleet (" + exchanged.cause().getMessage()
              + "); this replica judges its own windows until it can, and applies a rollback here at once");
          role = Role.ALONE;
          // Judged afresh from the memory the ledger gave this replica, from the next evaluation on.
          watches.clear();
          return;
        }
        judged = GuardFleet.own(fleet.replicaId(), figures);
      } else if (role == Role.ALONE) {
        LOG.info("slo guard: exchanging window figures with the fleet again");
        role = Role.FOLLOWING;
        watches.clear();
        // The store answers: write what was held meanwhile now, before the fleet's leader judges the same evidence again.
        controlPlane.catchUp();
        return;
      } else if (!deciding || role != Role.LEADING) {
        // Leadership may have moved during the exchange; a watch replaced meanwhile belongs to the next leader.
        return;
      } else {
        judged = exchanged.result();
      }
      Map<AliasKey, List<GuardFleet.ReplicaFigures>> byAlias = new HashMap<>();
      for (GuardFleet.ReplicaFigures row : judged) {
        byAlias.computeIfAbsent(new AliasKey(row.model(), row.alias()), k -> new ArrayList<>()).add(row);
      }
      for (Due d : due) {
        if (watches.get(new AliasKey(d.model().name(), d.alias().name())) == d.watch()) {
          evaluate(d.model(), d.alias(), d.watch(), now, byAlias.getOrDefault(new AliasKey(d.model().name(), d.alias().name()), List.of()));
        }
      }
    }));
  }

  // Follows the fleet's lock: a new leader first takes over what the previous one saved, then judges afresh.
  private void followLeadership(Context control) {
    if (role == Role.ALONE) {
      // Only an exchange that succeeds again ends it.
      return;
    }
    boolean leads = fleet.leads();
    if (!leads && role != Role.FOLLOWING) {
      role = Role.FOLLOWING;
      LOG.warning("slo guard: no longer leading; another replica decides");
    } else if (leads && role == Role.FOLLOWING) {
      role = Role.TAKING_OVER;
      controlPlane.takeOverGuard().onComplete(taken -> onControl(control, () -> {
        if (role != Role.TAKING_OVER) {
          return;
        }
        if (taken.failed()) {
          role = Role.FOLLOWING;
          LOG.warning("slo guard: cannot take over the guard's memory, trying again: " + taken.cause().getMessage());
          return;
        }
        watches.clear();
        rollouts.forget();
        role = Role.LEADING;
        LOG.info("slo guard: leading; cooldowns and breach runs taken over from the ledger");
      }));
    }
  }

  // Callbacks of other contexts come back to the control context, the only one touching the watches.
  private static void onControl(Context control, Runnable action) {
    if (control == null || control == Vertx.currentContext()) {
      action.run();
    } else {
      control.runOnContext(v -> action.run());
    }
  }

  private void evaluate(Model model, Alias alias, AliasWatch watch, long now, List<GuardFleet.ReplicaFigures> published) {
    Map<String, WindowFigures> summed = new HashMap<>();
    for (GuardFleet.ReplicaFigures row : published) {
      summed.merge(row.version(), row.figures(), WindowFigures::plus);
    }
    Map<String, WindowSnapshot> snapshots = new HashMap<>();
    for (String version : model.versions().keySet()) {
      snapshots.put(version, summed.getOrDefault(version, WindowFigures.EMPTY).snapshot());
    }
    if (RolloutDriver.rollingOut(alias)) {
      watch.busy = true;
      rollouts.evaluate(model, alias, snapshots, rolledBack -> evidenceJson(rolledBack.evidence(), fleet.shared() ? published : null))
          .onComplete(ar -> watch.busy = false);
      return;
    }
    Decision decision = RolloutDecider.decide(alias, snapshots, watch.state, now);
    RolloutState next = decision.next();
    if (decision instanceof Rollback rollback) {
      watch.busy = true;
      rollBack(model.name(), alias, rollback.evidence(), fleet.shared() ? published : null).onComplete(ar -> {
        watch.busy = false;
        if (ar.succeeded() && ar.result() != null) {
          watch.state = next;
        }
      });
    } else if (next.consecutiveBreaches().equals(watch.state.consecutiveBreaches()) || role == Role.ALONE) {
      // Alone, the runs stay in memory: the store cannot take them, and the fleet's leader keeps its own.
      watch.state = next;
    } else {
      watch.busy = true;
      BreachRuns runs = new BreachRuns(model.name(), alias.name(), controlPlane.clock().instant(), next.consecutiveBreaches());
      controlPlane.saveBreachRuns(runs).onComplete(ar -> {
        if (ar.failed()) {
          // The guard goes on with what it saw; only a restart before the next save would forget it.
          LOG.log(Level.WARNING, "breach runs of " + model.name() + ":" + alias.name() + " could not be saved", ar.cause());
        }
        watch.busy = false;
        watch.state = next;
      });
    }
  }

  // Completes with what was applied, or null when the alias changed since it was judged.
  private Future<ControlPlane.Applied> rollBack(String model, Alias judged, List<Evidence> evidence,
      List<GuardFleet.ReplicaFigures> replicas) {
    // Fixed now: a rollback held while the store is away is decided again when written, and must stay the same change.
    Instant decidedAt = controlPlane.clock().instant();
    String reason = summary(evidence) + (role == Role.ALONE
        ? " (judged by replica " + fleet.replicaId() + " alone: the fleet's store could not be reached)" : "");
    Map<String, Object> evidenceJson = evidenceJson(evidence, replicas);
    String what = "auto_rollback of " + model + ":" + judged.name() + " to " + judged.stable();
    return controlPlane.submitOrHold(what, registry -> {
      Model current = registry.models().get(model);
      Alias alias = current == null ? null : current.aliases().get(judged.name());
      // An operator (or another replica) changed the alias since it was judged: that change stands, judge it afresh.
      if (alias == null || alias.revision() != judged.revision()) {
        return null;
      }
      AliasState before = AliasState.of(alias);
      AliasState after = before.allOn(alias.stable());
      return new AuditEventDraft(decidedAt, ACTOR, Action.AUTO_ROLLBACK, model, alias.name(), new Change.AliasChanged(before, after),
          reason, evidenceJson);
    }).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(Level.SEVERE, what + " could not be applied", ar.cause());
      } else if (ar.result() != null) {
        metrics.rollback(model, judged.name(), "auto");
        String recorded = ar.result().held() ? "routed here; written when the store is back" : "seq " + ar.result().event().seq();
        LOG.warning(() -> what + " (" + recorded + "): " + evidence.stream().map(SloGuard::describe).collect(Collectors.joining("; ")));
      }
    });
  }

  private static String summary(List<Evidence> evidence) {
    return evidence.stream().map(e -> e.version() + " breached " + e.breached().stream()
        .map(rule -> rule.name().toLowerCase(java.util.Locale.ROOT)).collect(Collectors.joining(" and ")))
        .collect(Collectors.joining("; "));
  }

  // The evidence as the audit event carries it: both versions' figures (a fleet's totals, then each
  // replica's counts of those versions when replicas share the guard) and the limits they were held to.
  private static Map<String, Object> evidenceJson(List<Evidence> evidence, List<GuardFleet.ReplicaFigures> replicas) {
    List<Object> versions = new ArrayList<>();
    for (Evidence e : evidence) {
      Map<String, Object> version = window(e.version(), e.window());
      version.put("breached", e.breached().stream().map(rule -> rule.name().toLowerCase(java.util.Locale.ROOT)).collect(Collectors.toList()));
      version.put("consecutive_breaches", e.consecutiveBreaches());
      versions.add(version);
    }
    Evidence first = evidence.get(0);
    SloPolicy policy = first.policy();
    Map<String, Object> limits = new LinkedHashMap<>();
    limits.put("min_requests", policy.minRequests());
    limits.put("max_error_rate", policy.maxErrorRate());
    limits.put("max_p99_latency_seconds", policy.maxP99Latency().toNanos() / 1e9);
    if (policy.relativeToStable() != null) {
      limits.put("relative_to_stable", policy.relativeToStable());
    }
    limits.put("breaches_to_revert", policy.breachesToRevert());
    limits.put("window", Durations.format(policy.window()));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("canaries", versions);
    out.put("stable", window(first.stable(), first.stableWindow()));
    out.put("limits", limits);
    if (replicas != null) {
      Set<String> judged = new HashSet<>();
      evidence.forEach(e -> judged.add(e.version()));
      judged.add(first.stable());
      List<Object> counts = new ArrayList<>();
      replicas.stream()
          .filter(row -> judged.contains(row.version()))
          .sorted(java.util.Comparator.comparing(GuardFleet.ReplicaFigures::replica).thenComparing(GuardFleet.ReplicaFigures::version))
          .forEach(row -> {
            Map<String, Object> count = new LinkedHashMap<>();
            count.put("replica", row.replica());
            count.put("version", row.version());
            count.put("requests", row.figures().requests());
            count.put("failures", row.figures().failures());
            counts.add(count);
          });
      out.put("replicas", counts);
    }
    return out;
  }

  private static Map<String, Object> window(String version, WindowSnapshot window) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("version", version);
    out.put("requests", window.requests());
    out.put("failures", window.failures());
    out.put("error_rate", window.errorRate());
    out.put("p50_seconds", window.p50().toNanos() / 1e9);
    out.put("p99_seconds", window.p99().toNanos() / 1e9);
    return out;
  }

  private static String describe(Evidence e) {
    WindowSnapshot canary = e.window();
    WindowSnapshot stable = e.stableWindow();
    return String.format("%s breached %s: %d requests, error rate %.3f, p99 %d ms (stable %s: %d requests, error rate %.3f, p99 %d ms;"
            + " limits: error rate %.3f, p99 %d ms%s, %d evaluations in a row)",
        e.version(), e.breached(), canary.requests(), canary.errorRate(), canary.p99().toMillis(),
        e.stable(), stable.requests(), stable.errorRate(), stable.p99().toMillis(),
        e.policy().maxErrorRate(), e.policy().maxP99Latency().toMillis(),
        e.policy().relativeToStable() == null ? "" : ", " + e.policy().relativeToStable() + "x stable",
        e.consecutiveBreaches());
  }
}
