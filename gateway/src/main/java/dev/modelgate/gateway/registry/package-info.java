/**
 * Registry sync (docs/registry-sync.md): a model follows an alias in Weights & Biases or MLflow.
 * Start at {@link dev.modelgate.gateway.registry.RegistrySync}: it polls on the fleet's leader,
 * takes verified webhooks, hands what the registry says to the pure
 * {@link dev.modelgate.core.sync.Reconcile} through the control plane, writes outcomes back, and
 * keeps the {@link dev.modelgate.gateway.registry.SyncStatus} the admin API shows.
 * {@link dev.modelgate.gateway.registry.RegistryClient} is what the sync needs of a registry (made in
 * {@code RegistrySync.client}, the one place a kind plugs in),
 * {@link dev.modelgate.gateway.registry.RegistryHttp} the one way its clients call out (timeouts,
 * retries, no credential in any error), {@link dev.modelgate.gateway.registry.WebhookVerifier} how a
 * registry's webhook proves where it came from.
 */
package dev.modelgate.gateway.registry;
