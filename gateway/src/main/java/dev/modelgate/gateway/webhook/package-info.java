/**
 * Webhooks (docs/admin-api.md): audit events POSTed, signed, to the configured URLs. Start at {@link
 * dev.modelgate.gateway.webhook.Webhooks} (threads, order, what closing abandons); {@link
 * dev.modelgate.gateway.webhook.DeliveryPolicy} holds the retry schedule and the queue bound.
 */
package dev.modelgate.gateway.webhook;
