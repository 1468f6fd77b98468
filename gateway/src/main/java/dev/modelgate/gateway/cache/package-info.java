/**
 * The version-exact response cache (SPEC §12) on Caffeine.
 *
 * <p>Start at {@link dev.modelgate.gateway.cache.ResponseCache}: one byte-bounded store for every
 * cached route, and per route decision a {@link dev.modelgate.gateway.cache.CacheRoute} that the
 * data plane asks after routing and before the backend. The answer is a
 * {@link dev.modelgate.gateway.cache.CacheLookup}: a hit, a wait behind an identical request, or a
 * {@link dev.modelgate.gateway.cache.CacheFill} that copies the backend's answer into the store.
 * What is admitted is {@link dev.modelgate.core.cache.CachePolicy}'s to say.
 */
package dev.modelgate.gateway.cache;
