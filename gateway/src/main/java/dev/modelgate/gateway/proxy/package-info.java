/**
 * The data plane's request path. Start at {@link dev.modelgate.gateway.proxy.ProxyHandler}: one
 * exchange per request, routed on one snapshot of the routing table. {@code BodyScan} finds and
 * splices {@code model}; {@code ForwardedHeaders} decides which headers cross the gateway.
 */
package dev.modelgate.gateway.proxy;
