/**
 * Prometheus metrics of docs/metrics.md. {@link dev.modelgate.gateway.metrics.GatewayMetrics} builds every
 * route's meters once, with the routing table they belong to; label values come from the registry,
 * never from a request.
 */
package dev.modelgate.gateway.metrics;
