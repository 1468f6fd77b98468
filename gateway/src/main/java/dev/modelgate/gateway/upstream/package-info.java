/**
 * Whether each backend endpoint takes traffic. {@link dev.modelgate.gateway.upstream.EndpointGuard}
 * is the {@link dev.modelgate.core.EndpointGate} of one endpoint: a lock-free {@link dev.modelgate.gateway.upstream.Breaker}
 * fed by the request path (passive outlier ejection) plus the verdict of its active health checks, which
 * {@link dev.modelgate.gateway.upstream.HealthChecks} runs off the request path. Start at
 * {@link dev.modelgate.gateway.upstream.EndpointGuards}. {@link dev.modelgate.gateway.upstream.UpstreamPool}
 * keeps the keep-alive connections to backends, per event loop.
 */
package dev.modelgate.gateway.upstream;
