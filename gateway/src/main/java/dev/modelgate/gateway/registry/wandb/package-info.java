/**
 * Registry sync with Weights & Biases (docs/registry-sync.md, "Following a W&B registry").
 * {@link dev.modelgate.gateway.registry.wandb.WandbClient} reads where an alias points and writes
 * modelgate's verdict back through W&B's GraphQL API, with the operations the {@code wandb} SDK sends
 * (listed in {@code Operation}, each with its source); {@link
 * dev.modelgate.gateway.registry.wandb.WandbWebhookVerifier} checks an automation's {@code X-Wandb-Signature}.
 */
package dev.modelgate.gateway.registry.wandb;
