/**
 * Prometheus metrics of SPEC §6. {@link dev.modelgate.gateway.metrics.GatewayMetrics} builds every
 * meter once per route decision; label values come from the registry, never from a request.
 */
package dev.modelgate.gateway.metrics;
