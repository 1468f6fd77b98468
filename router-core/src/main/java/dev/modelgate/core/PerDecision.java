package dev.modelgate.core;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.function.Function;

/**
 * One value per route decision of one {@link RoutingTable}, built with the table and read by the
 * decision's {@link RouteDecision#index() index}: the gateway's per-route meters and SLO windows are
 * found with one array read, and a new table gets a new {@code PerDecision}, so nothing keyed by a
 * replaced table's decisions is left to prune.
 *
 * @param <T> what is kept per decision
 */
public final class PerDecision<T> {
  private final RoutingTable table;
  private final Object[] values;

  private PerDecision(RoutingTable table, Object[] values) {
    this.table = table;
    this.values = values;
  }

  /** Calls {@code make} once for each decision of {@code table}, in index order. */
  public static <T> PerDecision<T> of(RoutingTable table, Function<RouteDecision, ? extends T> make) {
    requireNonNull(make, "make");
    List<RouteDecision> decisions = table.decisions();
    Object[] values = new Object[decisions.size()];
    for (RouteDecision decision : decisions) {
      values[decision.index()] = requireNonNull(make.apply(decision), "value of " + decision);
    }
    return new PerDecision<>(table, values);
  }

  /**
   * The value of {@code decision}, or {@code null} when another table built it (a request routed
   * just before a swap finishes after it).
   */
  @SuppressWarnings("unchecked")
  public T get(RouteDecision decision) {
    return table.built(decision) ? (T) values[decision.index()] : null;
  }
}
