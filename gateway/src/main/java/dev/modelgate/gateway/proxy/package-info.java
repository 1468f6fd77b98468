/**
 * The data plane's request path, straight on Netty. {@link dev.modelgate.gateway.proxy.DataPlane}
 * listens, {@link dev.modelgate.gateway.proxy.ClientConnection} turns one connection's requests into
 * {@code Exchange}s one at a time, and {@link dev.modelgate.gateway.proxy.ProxyHandler} holds what
 * they share. An {@code Exchange} walks the {@code Phase} table and hands each job to its part:
 * {@code Intake} (the body), {@code UpstreamAttempt} (endpoint, connection, retry, timeout),
 * {@code Relay} (the answer back) and {@code Recorder} (breaker, SLO window, metrics, access log);
 * the connection keeps one of each part but the recorder and hands them from one exchange to the
 * next, with one timer for the current exchange's deadline, so a request allocates few objects.
 * {@code BodyScan} finds and splices {@code model} (and keeps the fields segments read, for
 * {@code SegmentRequest}); {@code ForwardedHeaders} decides which headers cross the gateway.
 * {@code Shadows} sends the copies a shadow version gets, each a {@code ShadowExchange} of its own.
 * On an alias with a response cache, {@code CacheStep} stands between routing and the backend (see
 * {@link dev.modelgate.gateway.cache}).
 */
package dev.modelgate.gateway.proxy;
