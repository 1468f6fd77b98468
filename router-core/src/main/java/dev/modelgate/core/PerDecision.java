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
  // Null when every value was made up front.
  private final Function<RouteDecision, ? extends T> lazily;

  private PerDecision(RoutingTable table, Object[] values, Function<RouteDecision, ? extends T> lazily) {
    this.table = table;
    this.values = values;
    this.lazily = lazily;
  }

  /** Calls {@code make} once for each decision of {@code table}, in index order. */
  public static <T> PerDecision<T> of(RoutingTable table, Function<RouteDecision, ? extends T> make) {
    requireNonNull(make, "make");
    List<RouteDecision> decisions = table.decisions();
    Object[] values = new Object[decisions.size()];
    for (RouteDecision decision : decisions) {
      values[decision.index()] = requireNonNull(make.apply(decision), () -> "value of " + decision);
    }
    return new PerDecision<>(table, values, null);
  }

  /**
   * Calls {@code make} for a decision the first time its value is asked for, so a table of many
   * thousand routes costs nothing until they serve. {@code make} must be idempotent and its values
   * immutable (final fields only): two threads may race to make the same one, and either value
   * may be kept; final fields make publishing it through a plain array write safe.
   */
  public static <T> PerDecision<T> lazily(RoutingTable table, Function<RouteDecision, ? extends T> make) {
    requireNonNull(make, "make");
    return new PerDecision<>(table, new Object[table.decisions().size()], make);
  }

  /**
   * The value of {@code decision}, or {@code null} when another table built it (a request routed
   * just before a swap finishes after it).
   */
  @SuppressWarnings("unchecked")
  public T get(RouteDecision decision) {
    if (!table.built(decision)) {
      return null;
    }
    Object value = values[decision.index()];
    if (value == null) {
      value = requireNonNull(lazily.apply(decision), () -> "value of " + decision);
      values[decision.index()] = value;
    }
    return (T) value;
  }
}
