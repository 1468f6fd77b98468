package dev.modelgate.core;

import dev.modelgate.core.registry.ModelVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A version as the data plane needs it: the registered spec, its endpoints, the backend key
 * resolved once, and the served model name already encoded as a JSON string for splicing into
 * request bodies. {@link #toString()} never shows the key.
 */
public final class VersionRoute {
  private final String model;
  private final ModelVersion spec;
  private final Endpoint[] endpoints;
  private final byte[] servedModelJson;
  private final String authorization;

  VersionRoute(String model, ModelVersion spec, Endpoint[] endpoints, String authorization) {
    this.model = model;
    this.spec = spec;
    this.endpoints = endpoints;
    this.authorization = authorization;
    this.servedModelJson = JsonStrings.quote(spec.servedModel()).getBytes(StandardCharsets.UTF_8);
  }

  public String model() {
    return model;
  }

  public String id() {
    return spec.id();
  }

  public ModelVersion spec() {
    return spec;
  }

  public List<Endpoint> endpoints() {
    return List.of(endpoints);
  }

  /** The {@code Authorization} value to send upstream ({@code Bearer <key>}), or {@code null}. */
  public String upstreamAuthorization() {
    return authorization;
  }

  /** The served model name as a quoted, escaped JSON string in UTF-8. Do not modify. */
  public byte[] servedModelJson() {
    return servedModelJson;
  }

  /**
   * The available endpoint with the fewest outstanding requests, ties broken from a random start so
   * that idle endpoints share the load, admitted by its gate; {@code null} when no endpoint (other
   * than {@code exclude}) admits the request.
   */
  public Endpoint choose(long nowNanos, Endpoint exclude) {
    Endpoint best = leastLoaded(nowNanos, exclude, null);
    if (best == null || best.gate().tryAcquire()) {
      return best;
    }
    // Rare: the gate refused after all (its half-open probes were all out); try each other one once.
    boolean[] refused = new boolean[endpoints.length];
    while (best != null) {
      refused[indexOf(best)] = true;
      best = leastLoaded(nowNanos, exclude, refused);
      if (best != null && best.gate().tryAcquire()) {
        return best;
      }
    }
    return null;
  }

  private Endpoint leastLoaded(long nowNanos, Endpoint exclude, boolean[] refused) {
    int n = endpoints.length;
    int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
    Endpoint best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      int index = (start + i) % n;
      Endpoint candidate = endpoints[index];
      if (candidate == exclude || (refused != null && refused[index]) || !candidate.isAvailable(nowNanos)) {
        continue;
      }
      int load = candidate.outstanding();
      if (load < bestLoad) {
        best = candidate;
        bestLoad = load;
      }
    }
    return best;
  }

  private int indexOf(Endpoint endpoint) {
    for (int i = 0; i < endpoints.length; i++) {
      if (endpoints[i] == endpoint) {
        return i;
      }
    }
    throw new IllegalStateException(endpoint + " is not an endpoint of " + this);
  }

  @Override
  public String toString() {
    return model + ":" + spec.id();
  }
}
