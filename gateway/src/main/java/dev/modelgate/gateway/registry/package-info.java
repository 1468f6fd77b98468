/**
 * Registry sync (docs/registry-sync.md): a model follows an alias in Weights & Biases or MLflow.
 * {@link dev.modelgate.gateway.registry.RegistryClient} is what the sync needs of a registry,
 * {@link dev.modelgate.gateway.registry.RegistryHttp} the one way its clients call out (timeouts,
 * retries, no credential in any error), {@link dev.modelgate.gateway.registry.WebhookVerifier} how a
 * registry's webhook proves where it came from.
 */
package dev.modelgate.gateway.registry;
