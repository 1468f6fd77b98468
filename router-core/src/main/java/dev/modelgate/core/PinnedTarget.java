package dev.modelgate.core;

/** {@code name:vN}: always the same version. */
public record PinnedTarget(RouteDecision decision) implements Target {
  @Override
  public String model() {
    return decision.model();
  }
}
