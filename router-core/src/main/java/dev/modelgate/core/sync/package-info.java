/**
 * Registry sync's decision (docs/registry-sync.md): start at {@link dev.modelgate.core.sync.Reconcile#decide},
 * a pure function from the registry here, one {@link dev.modelgate.core.sync.Follow followed alias}
 * and the version the registry says it is on, to the ledger events that bring this side in line —
 * none when it already is. {@link dev.modelgate.core.sync.Serving} turns a registry version into a
 * routable {@link dev.modelgate.core.registry.ModelVersion}.
 */
package dev.modelgate.core.sync;
