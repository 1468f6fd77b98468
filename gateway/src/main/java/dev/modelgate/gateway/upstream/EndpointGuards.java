package dev.modelgate.gateway.upstream;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.gateway.config.BreakerConfig;
import java.util.function.Function;

/** Makes the gate of each endpoint new to a routing table, all from one breaker config. */
public final class EndpointGuards implements Function<String, EndpointGate> {
  private final Breaker.Rules rules;

  public EndpointGuards(BreakerConfig breaker) {
    this.rules = Breaker.Rules.of(requireNonNull(breaker, "breaker"));
  }

  @Override
  public EndpointGate apply(String url) {
    return new EndpointGuard(url, rules);
  }
}
