/**
 * The data plane's request path, straight on Netty. {@link dev.modelgate.gateway.proxy.DataPlane}
 * listens, {@link dev.modelgate.gateway.proxy.ClientConnection} turns one connection's requests into
 * exchanges one at a time, and {@link dev.modelgate.gateway.proxy.ProxyHandler} holds the exchange:
 * routed on one snapshot of the routing table, forwarded over a backend connection of the same event
 * loop. {@code BodyScan} finds and
 * splices {@code model}; {@code ForwardedHeaders} decides which headers cross the gateway.
 */
package dev.modelgate.gateway.proxy;
