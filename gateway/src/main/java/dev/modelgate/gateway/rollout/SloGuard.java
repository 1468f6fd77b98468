package dev.modelgate.gateway.rollout;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.Ticker;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.rollout.Decision;
import dev.modelgate.core.rollout.Evidence;
import dev.modelgate.core.rollout.Rollback;
import dev.modelgate.core.rollout.RolloutDecider;
import dev.modelgate.core.rollout.RolloutState;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.SloWindow;
import dev.modelgate.core.slo.WindowSnapshot;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.state.RoutingState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The SLO guard (SPEC §3): every routed request's outcome goes into a sliding window per alias and
 * version; on the control context, every alias with an SLO policy is judged each
 * {@code evaluation_interval} by the pure {@link RolloutDecider}, and a breach sends the alias 100 %
 * to its stable version in one change. Decide, swap, then act: the swap happens first, then the
 * metric and the log line.
 *
 * <p>Recording is lock-free: the window of a route decision is resolved once per decision and cached
 * by its identity, so a request pays one cache read and one window update.
 */
public final class SloGuard {
  private static final Logger LOG = Logger.getLogger(SloGuard.class.getName());
  private static final WindowRef UNGUARDED = new WindowRef(null);

  private final RoutingState routing;
  private final GatewayMetrics metrics;
  private final Ticker ticker;
  private final Map<WindowKey, SloWindow> windows = new ConcurrentHashMap<>();
  private final Cache<RouteDecision, WindowRef> byDecision = Caffeine.newBuilder().weakKeys().build();
  // Touched only on the control context.
  private final Map<AliasKey, AliasWatch> watches = new HashMap<>();

  private record WindowRef(SloWindow window) {}

  private record AliasKey(String model, String alias) {}

  /** A window belongs to one version of one alias under one window shape. */
  private record WindowKey(String model, String alias, String version, long windowNanos, int buckets) {}

  private static final class AliasWatch {
    RolloutState state = RolloutState.INITIAL;
    long nextEvaluationNanos;
  }

  public SloGuard(RoutingState routing, GatewayMetrics metrics, Ticker ticker) {
    this.routing = requireNonNull(routing, "routing");
    this.metrics = requireNonNull(metrics, "metrics");
    this.ticker = requireNonNull(ticker, "ticker");
  }

  /**
   * Records one answered request of an alias route. {@code latencyNanos} is the full response time,
   * or for a stream the time to its first token; {@code failed} is whether it counts against the
   * version (upstream errors, timeouts, backend 5xx — never a client's 4xx).
   */
  public void record(RouteDecision decision, long latencyNanos, boolean failed) {
    if (decision.alias() == null) {
      return;
    }
    SloWindow window = byDecision.get(decision, this::windowOf).window();
    if (window != null) {
      window.record(latencyNanos, failed);
    }
  }

  private WindowRef windowOf(RouteDecision decision) {
    Model model = routing.table().registry().models().get(decision.model());
    Alias alias = model == null ? null : model.aliases().get(decision.alias());
    if (alias == null || alias.slo() == null) {
      return UNGUARDED;
    }
    return new WindowRef(window(decision.model(), alias, decision.version().id()));
  }

  private SloWindow window(String model, Alias alias, String version) {
    SloPolicy policy = alias.slo();
    long windowNanos = policy.window().toNanos();
    int buckets = buckets(policy);
    return windows.computeIfAbsent(new WindowKey(model, alias.name(), version, windowNanos, buckets),
        key -> new SloWindow(policy.window(), buckets, ticker));
  }

  // One bucket per evaluation, so each evaluation sees the window move by one bucket.
  private static int buckets(SloPolicy policy) {
    long perInterval = policy.window().toNanos() / Math.max(1, policy.evaluationInterval().toNanos());
    return (int) Math.max(1, Math.min(600, perInterval));
  }

  /** The live window of every version of an alias, for the admin API. */
  public Map<String, WindowSnapshot> snapshots(String model, String alias) {
    Model m = routing.table().registry().models().get(model);
    Alias a = m == null ? null : m.aliases().get(alias);
    Map<String, WindowSnapshot> out = new LinkedHashMap<>();
    if (a != null && a.slo() != null) {
      for (String version : m.versions().keySet()) {
        out.put(version, window(model, a, version).snapshot());
      }
    }
    return out;
  }

  /**
   * Judges every alias whose evaluation is due. Call it from the one control context only, often
   * enough for the shortest {@code evaluation_interval}.
   */
  public void evaluateDue() {
    long now = ticker.nanos();
    RoutingTable table = routing.table();
    Set<AliasKey> guarded = new HashSet<>();
    for (Model model : table.registry().models().values()) {
      for (Alias alias : model.aliases().values()) {
        if (alias.slo() == null) {
          continue;
        }
        AliasKey key = new AliasKey(model.name(), alias.name());
        guarded.add(key);
        AliasWatch watch = watches.computeIfAbsent(key, k -> {
          AliasWatch fresh = new AliasWatch();
          fresh.nextEvaluationNanos = now + alias.slo().evaluationInterval().toNanos();
          return fresh;
        });
        if (now - watch.nextEvaluationNanos >= 0) {
          watch.nextEvaluationNanos = now + alias.slo().evaluationInterval().toNanos();
          evaluate(model, alias, watch, now);
        }
      }
    }
    watches.keySet().retainAll(guarded);
    windows.keySet().removeIf(k -> !guarded.contains(new AliasKey(k.model(), k.alias())));
  }

  private void evaluate(Model model, Alias alias, AliasWatch watch, long now) {
    Map<String, WindowSnapshot> snapshots = new HashMap<>();
    for (String version : model.versions().keySet()) {
      snapshots.put(version, window(model.name(), alias, version).snapshot());
    }
    Decision decision = RolloutDecider.decide(alias, snapshots, watch.state, now);
    watch.state = decision.next();
    if (decision instanceof Rollback rollback) {
      rollBack(model.name(), alias, rollback.evidence());
    }
  }

  private void rollBack(String model, Alias judged, List<Evidence> evidence) {
    boolean[] applied = {false};
    RoutingTable table = routing.update(registry -> {
      Model current = registry.models().get(model);
      Alias alias = current == null ? null : current.aliases().get(judged.name());
      // An operator changed the alias since it was judged: their change stands, judge it afresh.
      if (alias == null || alias.revision() != judged.revision()) {
        return registry;
      }
      applied[0] = true;
      return registry.withModel(current.withAlias(alias.withWeights(Map.of(alias.stable(), 100), alias.stable())));
    });
    if (!applied[0]) {
      return;
    }
    Alias now = table.registry().models().get(model).aliases().get(judged.name());
    metrics.rollback(model, judged.name(), "auto");
    LOG.warning(() -> "auto_rollback " + model + ":" + judged.name() + " to " + now.stable() + " (revision " + now.revision() + "): "
        + evidence.stream().map(SloGuard::describe).collect(Collectors.joining("; ")));
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
