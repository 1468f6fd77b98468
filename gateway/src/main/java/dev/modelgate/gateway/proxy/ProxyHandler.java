package dev.modelgate.gateway.proxy;

import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.auth.BearerSecrets;
import dev.modelgate.gateway.cache.ResponseCache;
import dev.modelgate.gateway.log.AccessLog;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.rollout.SloGuard;
import dev.modelgate.gateway.state.RoutingState;
import dev.modelgate.gateway.upstream.UpstreamPool;

/**
 * The data plane's request path: read the body once (bounded), find {@code model}, route on one
 * snapshot of the routing table, splice in the version's served model name, forward over a
 * keep-alive backend connection of the same event loop and relay the answer — streams chunk by
 * chunk as they arrive, with back-pressure — tagging every response with the version that served it.
 *
 * <p>This holds what every request shares; each request is an {@link Exchange}, on the event loop
 * of its client connection.
 */
public final class ProxyHandler {
  private final UpstreamPool upstreams;
  private final RoutingState routing;
  private final ProxySettings settings;
  private final Recorder recorder;
  private final Shadows shadows;
  private final ModelsEndpoint models;
  private final BearerSecrets clientKeys;
  private final ResponseCache cache;

  public ProxyHandler(UpstreamPool upstreams, RoutingState routing, ProxySettings settings, AccessLog accessLog, GatewayMetrics metrics,
      SloGuard sloGuard, ResponseCache cache) {
    this.upstreams = requireNonNull(upstreams, "upstreams");
    this.routing = requireNonNull(routing, "routing");
    this.settings = requireNonNull(settings, "settings");
    this.recorder = new Recorder(requireNonNull(accessLog, "accessLog"), requireNonNull(metrics, "metrics"), requireNonNull(sloGuard, "sloGuard"));
    this.shadows = new Shadows(upstreams, settings, recorder);
    this.models = new ModelsEndpoint();
    this.clientKeys = BearerSecrets.of(settings.clientKeys());
    this.cache = requireNonNull(cache, "cache");
  }

  /** Whether a request with this {@code Authorization} header may use the data plane: any, when no client key is configured. */
  boolean isAuthorized(String authorization) {
    return clientKeys.isEmpty() || clientKeys.accepts(authorization);
  }

  /** Which client key {@code authorization} presents, by index; -1 when client keys are not configured. */
  int clientKeyIndex(String authorization) {
    return clientKeys.isEmpty() ? -1 : clientKeys.indexOf(authorization);
  }

  ResponseCache cache() {
    return cache;
  }

  UpstreamPool upstreams() {
    return upstreams;
  }

  RoutingState routing() {
    return routing;
  }

  ProxySettings settings() {
    return settings;
  }

  Recorder recorder() {
    return recorder;
  }

  Shadows shadows() {
    return shadows;
  }

  ModelsEndpoint models() {
    return models;
  }
}
