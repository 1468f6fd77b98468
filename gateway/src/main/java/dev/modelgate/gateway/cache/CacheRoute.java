package dev.modelgate.gateway.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import dev.modelgate.core.cache.CachePath;
import dev.modelgate.core.cache.CachePolicy;
import io.micrometer.core.instrument.Counter;
import java.util.concurrent.CompletableFuture;

/**
 * The cache as one route decision (an alias's version) sees it: its policy, its share of the store,
 * its counters. Built once per decision of a routing table, so a request finds it with an array read.
 */
public final class CacheRoute {
  private final AsyncCache<CacheKey, StoredAnswer> store;
  private final long limit;
  private final String model;
  private final String version;
  private final CachePolicy policy;
  private final long ttlNanos;
  private final Counter hits;
  private final Counter misses;
  private final Counter bypasses;

  CacheRoute(AsyncCache<CacheKey, StoredAnswer> store, long limit, String model, String version, CachePolicy policy, Counter hits,
      Counter misses, Counter bypasses) {
    this.store = store;
    this.limit = limit;
    this.model = model;
    this.version = version;
    this.policy = policy;
    this.ttlNanos = policy == null ? 0 : policy.ttl().toNanos();
    this.hits = hits;
    this.misses = misses;
    this.bypasses = bypasses;
  }

  /**
   * Whether the answer to this request may be kept (SPEC §12): see {@link CachePolicy#admits}.
   *
   * @param choices the request's {@code n}, 1 when it set none
   */
  public boolean admits(String path, boolean stream, boolean temperatureZero, long choices) {
    return policy.admits(CachePath.ofRequestPath(path), stream, temperatureZero, choices);
  }

  /**
   * Looks an admitted request up.
   *
   * @param tenant the index of the client key it presented, -1 when client keys are not configured
   * @param payload the exact body that would be forwarded; kept in the key, so not to be changed
   * @param noCache {@code Cache-Control: no-cache}: do not answer from the cache, but keep the answer
   * @param noStore {@code Cache-Control: no-store}: neither answer from the cache nor keep anything of
   *     this request or its answer (SPEC: no-store also skips storing, on top of what no-cache skips)
   */
  public CacheLookup lookup(String path, int tenant, byte[] payload, boolean noCache, boolean noStore) {
    if (noStore) {
      return CacheLookup.Bypass.INSTANCE;
    }
    CacheKey key = new CacheKey(model, version, path, tenant, payload);
    if (noCache) {
      // The fresh answer replaces the stored one; identical requests meanwhile wait for it.
      CacheFill fill = new CacheFill(ttlNanos, limit);
      store.put(key, fill.load);
      return fill;
    }
    CompletableFuture<StoredAnswer> found = store.getIfPresent(key);
    if (found != null && found.isCompletedExceptionally()) {
      // A failed load Caffeine has not dropped yet (it does so after the load's waiters are told).
      store.asMap().remove(key, found);
      found = null;
    }
    if (found != null && found.isDone()) {
      return new CacheLookup.Hit(found.join());
    }
    CacheFill fill = new CacheFill(ttlNanos, limit);
    CompletableFuture<StoredAnswer> load = store.get(key, (k, executor) -> fill.load);
    if (load == fill.load) {
      return fill;
    }
    return load.isDone() && !load.isCompletedExceptionally() ? new CacheLookup.Hit(load.join()) : new CacheLookup.Wait(load);
  }

  /** A request on this route was answered from the cache. */
  public void hit() {
    hits.increment();
  }

  /** An admitted request on this route went to the backend. */
  public void miss() {
    misses.increment();
  }

  /** A request on this route the cache does not admit (streamed, sampled, or on a path it does not keep). */
  public void bypass() {
    bypasses.increment();
  }
}
