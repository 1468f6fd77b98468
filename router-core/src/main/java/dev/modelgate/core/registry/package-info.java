/**
 * The registry model of docs/configuration.md as immutable records: a {@link dev.modelgate.core.registry.Registry}
 * of {@link dev.modelgate.core.registry.Model}s, each with its {@link
 * dev.modelgate.core.registry.ModelVersion}s and {@link dev.modelgate.core.registry.Alias}es.
 *
 * <p>Start at {@link dev.modelgate.core.registry.RegistryRules}, the one validation path: the config
 * file, the admin API and the ledger replay all check a candidate registry there, and an {@link
 * dev.modelgate.core.registry.InvalidRegistryException} lists every rule broken. How events change a
 * registry is {@code dev.modelgate.core.ledger.RegistryFold}. An alias's
 * {@link dev.modelgate.core.registry.Segment}s are matched on the request path by a
 * {@link dev.modelgate.core.registry.SegmentMatcher} compiled once per alias.
 */
package dev.modelgate.core.registry;
