package dev.modelgate.gateway.netty;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.resolver.AddressResolverGroup;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.net.SocketAddress;

/**
 * The Netty underneath a Vert.x instance: its event loops, the channel factories of its transport
 * (epoll, kqueue or NIO, as Vert.x chose) and its DNS resolver. The data plane and the upstream pool
 * run straight on these so that their connections share Vert.x's threads; this is the only class
 * that touches {@code io.vertx.core.internal}, which Vert.x may change in any release, so an
 * upgrade that breaks it breaks here alone.
 */
public final class VertxNetty {
  private final VertxInternal vertx;

  private VertxNetty(VertxInternal vertx) {
    this.vertx = vertx;
  }

  /**
   * @throws IllegalArgumentException if {@code vertx} is not Vert.x's own implementation (a wrapper
   *     or a mock has no Netty to share)
   */
  public static VertxNetty of(Vertx vertx) {
    requireNonNull(vertx, "vertx");
    if (!(vertx instanceof VertxInternal internal)) {
      throw new IllegalArgumentException("vertx: " + vertx.getClass().getName() + " (expected: a Vert.x instance from Vertx.vertx())");
    }
    return new VertxNetty(internal);
  }

  /** The loops that accept connections. */
  public EventLoopGroup acceptorEventLoopGroup() {
    return vertx.acceptorEventLoopGroup();
  }

  /** Vert.x's event loops: connections live on these. */
  public EventLoopGroup nettyEventLoopGroup() {
    return vertx.nettyEventLoopGroup();
  }

  /** Makes listening TCP channels of Vert.x's transport. */
  public ChannelFactory<? extends ServerChannel> serverChannelFactory() {
    return vertx.transport().serverChannelFactory(false);
  }

  /** Makes client TCP channels of Vert.x's transport. */
  public ChannelFactory<? extends Channel> channelFactory() {
    return vertx.transport().channelFactory(false);
  }

  /** Vert.x's resolver, configured by its {@code AddressResolverOptions}. */
  public AddressResolverGroup<? extends SocketAddress> addressResolverGroup() {
    return vertx.nameResolver().nettyAddressResolverGroup();
  }
}
