package dev.modelgate.gateway.cache;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.modelgate.core.PerDecision;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.Ticker;
import dev.modelgate.core.cache.CachePolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Map;

/**
 * The version-exact response cache (SPEC §12) on Caffeine. One store serves every cached route, so
 * {@code server.cache.max_bytes} bounds them all together: entries are weighed by the bytes they keep
 * (key body, answer body, headers), and Caffeine's W-TinyLFU admission keeps a scan of one-off
 * requests from flushing the answers that repeat. Each entry lives for its alias's {@code ttl} after
 * it was written.
 *
 * <p>The store is asynchronous so that identical misses share one backend call: the first request's
 * {@link CacheFill} is the entry while its answer is on the way, and the others wait on it. A failed
 * load is dropped by Caffeine, never kept.
 *
 * <p>Routes find their {@link CacheRoute} by the decision's index, rebuilt with each routing table;
 * a route whose alias declares no cache finds {@code null} and never touches the store. The version
 * is in every key, so a weight change or a rollback needs no purge: the other version's answers are
 * simply never asked for.
 */
public final class ResponseCache implements MeterBinder {
  private static final CacheRoute OFF = new CacheRoute(null, 0, null, null, null, null, null, null);

  private final AsyncCache<CacheKey, StoredAnswer> store;
  private final long maxBytes;
  private volatile Map<String, Map<String, CachePolicy>> policies;
  // Written by the control context (new tables, config edits) under this object's lock.
  private volatile RoutingTable table = RoutingTable.EMPTY;
  private volatile PerDecision<CacheRoute> routes = PerDecision.lazily(RoutingTable.EMPTY, this::routeOf);
  // No-op until bound: tests that build a cache without metrics need no registry.
  private volatile MeterRegistry meters = new CompositeMeterRegistry();

  /**
   * @param maxBytes {@code server.cache.max_bytes}
   * @param policies model → alias → the alias's cache, for the aliases that declare one
   */
  public ResponseCache(long maxBytes, Map<String, Map<String, CachePolicy>> policies, Ticker ticker) {
    requireNonNull(ticker, "ticker");
    this.maxBytes = maxBytes;
    this.policies = Map.copyOf(policies);
    this.store = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((CacheKey key, StoredAnswer answer) -> (int) Math.min(Integer.MAX_VALUE, (long) key.weight() + answer.weight()))
        .expireAfter(Expiry.writing((CacheKey key, StoredAnswer answer) -> Duration.ofNanos(answer.ttlNanos)))
        .ticker(ticker::nanos)
        .buildAsync();
  }

  /** The cache of the route {@code decision} took, or {@code null} when its alias declares none. */
  public CacheRoute route(RouteDecision decision) {
    if (decision.alias() == null) {
      return null;
    }
    CacheRoute route = routes.get(decision);
    if (route == null) {
      // A decision of a table replaced since the request routed.
      route = routeOf(decision);
    }
    return route == OFF ? null : route;
  }

  private CacheRoute routeOf(RouteDecision decision) {
    CachePolicy policy = decision.alias() == null ? null : policies.getOrDefault(decision.model(), Map.of()).get(decision.alias());
    if (policy == null) {
      return OFF;
    }
    String model = decision.model();
    String version = decision.version().id();
    return new CacheRoute(store, maxBytes, model, version, policy, counter(model, version, "hit"), counter(model, version, "miss"),
        counter(model, version, "bypass"));
  }

  // Registered once per series; later routes of the same version get the same counter back.
  private Counter counter(String model, String version, String result) {
    return Counter.builder("modelgate_cache_requests")
        .description("Requests on cached routes: answered from the cache (hit), sent to the backend (miss), or not cacheable (bypass)")
        .tags("model", model, "version", version, "result", result)
        .register(meters);
  }

  /** A new routing table is about to be swapped in: its routes get their caches. */
  public synchronized void routingChanged(RoutingTable next) {
    table = next;
    routes = PerDecision.lazily(next, this::routeOf);
  }

  /** The config file declares other caches: they apply from the next request on. */
  public synchronized void policiesChanged(Map<String, Map<String, CachePolicy>> next) {
    policies = Map.copyOf(next);
    routes = PerDecision.lazily(table, this::routeOf);
  }

  /** Drops every answer of {@code model}'s versions, and any load under way for it; returns how many entries went. */
  public int purge(String model) {
    int[] removed = {0};
    store.asMap().keySet().removeIf(key -> {
      boolean match = key.model.equals(model);
      removed[0] += match ? 1 : 0;
      return match;
    });
    return removed[0];
  }

  /** What the kept answers weigh together, in bytes: at most {@code max_bytes} once evictions ran. */
  public long weighedBytes() {
    return store.synchronous().policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  /** Runs the evictions and expiries Caffeine has pending, which it otherwise does soon after writes. */
  public void cleanUp() {
    store.synchronous().cleanUp();
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    meters = registry;
    Gauge.builder("modelgate_cache_bytes", this, ResponseCache::weighedBytes)
        .description("Bytes the response cache keeps, bounded by server.cache.max_bytes")
        .register(registry);
    routes = PerDecision.lazily(table, this::routeOf);
  }
}
