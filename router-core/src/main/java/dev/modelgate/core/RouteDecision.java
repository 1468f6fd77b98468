package dev.modelgate.core;

/**
 * Where one request goes: built once per alias and version when the routing table is built, so a
 * pick hands out a shared instance and allocates nothing.
 *
 * @param alias the alias that routed, or {@code null} when the version was pinned
 */
public record RouteDecision(String model, String alias, VersionRoute version, Route route) {}
