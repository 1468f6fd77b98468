/**
 * Webhooks (docs/admin-api.md): audit events POSTed, signed, to the configured URLs. Start at {@link
 * dev.modelgate.gateway.webhook.Webhooks} (threads, order, what closing abandons); {@link
 * dev.modelgate.gateway.webhook.Sender} makes one event's attempts on the {@link
 * dev.modelgate.gateway.webhook.DeliveryPolicy} schedule, for the in-memory {@link
 * dev.modelgate.gateway.webhook.Outbox} of one replica or, in a fleet, the {@link
 * dev.modelgate.gateway.webhook.SharedOutbox} over a {@link dev.modelgate.gateway.webhook.FleetQueue}
 * (each event once, handed on when a replica dies).
 */
package dev.modelgate.gateway.webhook;
