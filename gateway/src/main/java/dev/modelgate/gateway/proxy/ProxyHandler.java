package dev.modelgate.gateway.proxy;

import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.log.AccessLog;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.rollout.SloGuard;
import dev.modelgate.gateway.state.RoutingState;
import dev.modelgate.gateway.upstream.UpstreamPool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

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
  private final ModelsEndpoint models;
  private final byte[][] clientKeys;

  public ProxyHandler(UpstreamPool upstreams, RoutingState routing, ProxySettings settings, AccessLog accessLog, GatewayMetrics metrics,
      SloGuard sloGuard) {
    this.upstreams = requireNonNull(upstreams, "upstreams");
    this.routing = requireNonNull(routing, "routing");
    this.settings = requireNonNull(settings, "settings");
    this.recorder = new Recorder(requireNonNull(accessLog, "accessLog"), requireNonNull(metrics, "metrics"), requireNonNull(sloGuard, "sloGuard"));
    this.models = new ModelsEndpoint();
    this.clientKeys = settings.clientKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
  }

  // Constant time over every configured key, so response timing says nothing about near misses.
  boolean isAuthorized(String authorization) {
    if (clientKeys.length == 0) {
      return true;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] presented = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    boolean match = false;
    for (byte[] key : clientKeys) {
      match |= MessageDigest.isEqual(key, presented);
    }
    return match;
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

  ModelsEndpoint models() {
    return models;
  }
}
