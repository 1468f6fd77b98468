package dev.modelgate.gateway.cache;

import java.util.concurrent.CompletableFuture;

/**
 * What the cache says about one request on a cached route: go to the backend and keep nothing
 * ({@link Bypass}), answer now ({@link Hit}), wait for an identical request's answer ({@link Wait}),
 * or go to the backend and give the answer to the cache and to whoever waits ({@link CacheFill}).
 */
public sealed interface CacheLookup permits CacheLookup.Bypass, CacheLookup.Hit, CacheLookup.Wait, CacheFill {

  /** Forward as if the route had no cache. */
  record Bypass() implements CacheLookup {
    static final Bypass INSTANCE = new Bypass();
  }

  /** A stored answer of the same version to the same request. */
  record Hit(StoredAnswer answer) implements CacheLookup {}

  /**
   * An identical request is at the backend. Its answer completes {@code load}; a failed load fails
   * it with a {@link LoadFailed}.
   */
  record Wait(CompletableFuture<StoredAnswer> load) implements CacheLookup {}
}
