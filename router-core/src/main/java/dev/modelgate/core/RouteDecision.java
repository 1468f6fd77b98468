package dev.modelgate.core;

/**
 * Where one request goes: built once per alias and version when the routing table is built, so a
 * pick hands out a shared instance and allocates nothing.
 *
 * @param alias the alias that routed, or {@code null} when the version was pinned
 * @param segment the alias's segment that routed, or {@code null} for the alias's own weights
 * @param index this decision's place in {@link RoutingTable#decisions()} of the table that built
 *     it, dense from 0, so what the gateway keeps per route ({@link PerDecision}) is an array read
 */
public record RouteDecision(String model, String alias, VersionRoute version, Route route, int index, String segment) {

  public RouteDecision {
    if (index < 0) {
      throw new IllegalArgumentException("index: " + index + " (expected: 0 or more)");
    }
  }

  /** A decision outside any segment. */
  public RouteDecision(String model, String alias, VersionRoute version, Route route, int index) {
    this(model, alias, version, route, index, null);
  }
}
