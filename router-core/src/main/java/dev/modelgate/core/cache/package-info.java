/**
 * What the response cache may keep, decided without I/O.
 *
 * <p>Start at {@link dev.modelgate.core.cache.CachePolicy}: an alias's {@code cache} setting (ttl,
 * which {@link dev.modelgate.core.cache.CachePath paths}) and the rule for which answers are
 * deterministic enough to replay. The store itself lives in the gateway's {@code cache} package.
 */
package dev.modelgate.core.cache;
