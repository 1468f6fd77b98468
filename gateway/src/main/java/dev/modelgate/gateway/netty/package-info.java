/**
 * The one seam to Vert.x's internals: {@link dev.modelgate.gateway.netty.VertxNetty} hands the data
 * plane and the upstream pool the Netty event loops, channel factories and resolver of a Vert.x
 * instance. Nothing else in the gateway imports {@code io.vertx.core.internal}.
 */
package dev.modelgate.gateway.netty;
