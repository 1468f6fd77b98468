package dev.modelgate.gateway.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.PerDecision;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.Ticker;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.SloWindow;
import dev.modelgate.core.slo.WindowFigures;
import dev.modelgate.core.slo.WindowSnapshot;
import java.util.HashMap;
import java.util.Map;

/**
 * The SLO windows of every version of every guarded alias (docs/configuration.md#slo), built with each routing table:
 * {@link #routingChanged} runs before a table is swapped in and gives each of its alias routes the
 * window it records into, so a request finds its window by the decision's index, and a replaced
 * table's windows simply stop being referenced. A window is carried into the next table while its
 * alias, version and window shape stay the same, so moving weights never resets what the guard has
 * seen.
 */
public final class SloWindows {
  private static final WindowRef UNGUARDED = new WindowRef(null);

  private final Ticker ticker;
  private volatile Windows current;

  /** The window an alias route records into; {@code window} is {@code null} when its alias has no SLO. */
  private record WindowRef(SloWindow window) {}

  /** A window belongs to one version of one alias under one window shape. */
  private record WindowKey(String model, String alias, String version, long windowNanos, int buckets) {

    static WindowKey of(String model, String alias, SloPolicy policy, String version) {
      return new WindowKey(model, alias, version, policy.window().toNanos(), SloWindows.buckets(policy));
    }
  }

  private record Windows(RoutingTable table, Map<WindowKey, SloWindow> byKey, PerDecision<WindowRef> byDecision) {}

  public SloWindows(Ticker ticker) {
    this.ticker = requireNonNull(ticker, "ticker");
    this.current = new Windows(RoutingTable.EMPTY, Map.of(), PerDecision.of(RoutingTable.EMPTY, d -> UNGUARDED));
  }

  /** Builds the windows of {@code table}. Call it from the one writer, before the table is swapped in. */
  public void routingChanged(RoutingTable table) {
    Map<WindowKey, SloWindow> previous = current.byKey;
    Map<WindowKey, SloWindow> byKey = new HashMap<>();
    for (Model model : table.registry().models().values()) {
      for (Alias alias : model.aliases().values()) {
        SloPolicy policy = alias.slo();
        if (policy == null) {
          continue;
        }
        for (String version : model.versions().keySet()) {
          WindowKey key = WindowKey.of(model.name(), alias.name(), policy, version);
          SloWindow carried = previous.get(key);
          byKey.put(key, carried != null ? carried : new SloWindow(policy.window(), key.buckets(), ticker));
        }
      }
    }
    current = new Windows(table, Map.copyOf(byKey), PerDecision.of(table, decision -> refOf(table, byKey, decision)));
  }

  private static WindowRef refOf(RoutingTable table, Map<WindowKey, SloWindow> byKey, RouteDecision decision) {
    SloWindow window = decision.alias() == null ? null : byKey.get(keyOf(table, decision));
    return window == null ? UNGUARDED : new WindowRef(window);
  }

  // The decision's window key in the table's registry; null when its alias is gone or has no SLO.
  private static WindowKey keyOf(RoutingTable table, RouteDecision decision) {
    Model model = table.registry().models().get(decision.model());
    Alias alias = model == null ? null : model.aliases().get(decision.alias());
    if (alias == null || alias.slo() == null) {
      return null;
    }
    return WindowKey.of(decision.model(), decision.alias(), alias.slo(), decision.version().id());
  }

  /**
   * Records one answered request of an alias route; see {@link SloGuard#record}. A request routed on
   * a table replaced since counts in the current table's window of its alias and version, if it has one.
   */
  public void record(RouteDecision decision, long latencyNanos, boolean failed) {
    if (decision.alias() == null) {
      return;
    }
    Windows windows = current;
    WindowRef ref = windows.byDecision.get(decision);
    SloWindow window = ref != null ? ref.window() : replacedRoute(windows, decision);
    if (window != null) {
      window.record(latencyNanos, failed);
    }
  }

  private static SloWindow replacedRoute(Windows windows, RouteDecision decision) {
    WindowKey key = keyOf(windows.table, decision);
    return key == null ? null : windows.byKey.get(key);
  }

  /** What {@code version} did within the window of {@code alias} (guarded, of {@code model}); empty when it has no window. */
  public WindowSnapshot snapshot(String model, Alias alias, String version) {
    SloWindow window = current.byKey.get(WindowKey.of(model, alias.name(), alias.slo(), version));
    return window == null ? WindowSnapshot.EMPTY : window.snapshot();
  }

  /** The counts behind {@link #snapshot}, to be summed with other replicas' figures. */
  public WindowFigures figures(String model, Alias alias, String version) {
    SloWindow window = current.byKey.get(WindowKey.of(model, alias.name(), alias.slo(), version));
    return window == null ? WindowFigures.EMPTY : window.figures();
  }

  // One bucket per evaluation, so each evaluation sees the window move by one bucket.
  private static int buckets(SloPolicy policy) {
    long perInterval = policy.window().toNanos() / Math.max(1, policy.evaluationInterval().toNanos());
    return (int) Math.max(1, Math.min(600, perInterval));
  }
}
