package dev.modelgate.core;

/**
 * Where one request goes: built once per alias and version when the routing table is built, so a
 * pick hands out a shared instance and allocates nothing.
 *
 * @param alias the alias that routed, or {@code null} when the version was pinned
 * @param index this decision's place in {@link RoutingTable#decisions()} of the table that built
 *     it, dense from 0, so what the gateway keeps per route ({@link PerDecision}) is an array read
 */
public record RouteDecision(String model, String alias, VersionRoute version, Route route, int index) {

  public RouteDecision {
    if (index < 0) {
      throw new IllegalArgumentException("index: " + index + " (expected: 0 or more)");
    }
  }
}
