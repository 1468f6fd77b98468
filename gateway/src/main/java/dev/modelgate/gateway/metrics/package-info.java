/**
 * Prometheus metrics of docs/metrics.md. {@link dev.modelgate.gateway.metrics.GatewayMetrics} registers a
 * route's meters on its first request and finds them by the route decision's index from then on;
 * {@link dev.modelgate.gateway.metrics.RegistrySeries} writes the registry's own series (weights,
 * revisions, rollbacks, endpoint breakers and health) from the current routing table at each
 * scrape. Label values come from the registry, never from a request.
 */
package dev.modelgate.gateway.metrics;
