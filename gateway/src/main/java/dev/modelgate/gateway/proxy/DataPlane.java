package dev.modelgate.gateway.proxy;

import dev.modelgate.core.Durations;
import dev.modelgate.gateway.config.ClientLimits;
import dev.modelgate.gateway.netty.VertxNetty;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The data plane's HTTP/1.1 listener, straight on Netty and on Vert.x's event loops: each accepted
 * connection lives on one loop, and so do the backend connections its requests borrow (see
 * {@link dev.modelgate.gateway.upstream.UpstreamPool}). Vert.x's own HTTP server and client cost
 * about half again as much CPU per proxied request as the same work done here.
 */
public final class DataPlane {
  private static final Logger LOG = Logger.getLogger(DataPlane.class.getName());
  private static final long DRAIN_POLL_MILLIS = 20;

  private final ChannelGroup clients = new DefaultChannelGroup("modelgate-clients", GlobalEventExecutor.INSTANCE);
  private final VertxNetty vertx;
  private Channel listener;
  private volatile boolean draining;

  private DataPlane(VertxNetty vertx) {
    this.vertx = vertx;
  }

  /** Listens on {@code host:port} (0: a free port); the future completes once bound. */
  public static Future<DataPlane> start(VertxNetty vertx, String host, int port, ClientLimits limits, ProxyHandler proxy) {
    DataPlane plane = new DataPlane(vertx);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(vertx.acceptorEventLoopGroup(), vertx.nettyEventLoopGroup())
        .channelFactory(vertx.serverChannelFactory())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            plane.clients.add(channel);
            channel.pipeline().addLast(codec(limits), new ClientConnection(proxy, limits, plane));
          }
        });
    Promise<DataPlane> bound = Promise.promise();
    bootstrap.bind(host, port).addListener((ChannelFutureListener) done -> {
      if (done.isSuccess()) {
        plane.listener = done.channel();
        bound.complete(plane);
      } else {
        bound.fail(done.cause());
      }
    });
    return bound.future();
  }

  /** The HTTP/1.1 codec of each client connection (public for the codec benchmark). */
  public static HttpServerCodec codec(ClientLimits limits) {
    return new HttpServerCodec(new HttpDecoderConfig().setMaxInitialLineLength(limits.maxUrlBytes()).setMaxHeaderSize(limits.maxHeaderBytes()));
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  boolean draining() {
    return draining;
  }

  /**
   * Stops accepting, closes idle connections, lets exchanges in flight (streams included) finish
   * for up to {@code drain}, then closes whatever is left.
   */
  public Future<Void> close(Duration drain) {
    draining = true;
    Promise<Void> closed = Promise.promise();
    listener.close().addListener(unbound -> {
      for (Channel client : clients) {
        client.eventLoop().execute(() -> {
          ClientConnection connection = client.pipeline().get(ClientConnection.class);
          if (connection != null) {
            connection.closeIfIdle();
          }
        });
      }
      long deadline = System.nanoTime() + drain.toNanos();
      EventLoop loop = vertx.nettyEventLoopGroup().next();
      ScheduledFuture<?>[] poll = new ScheduledFuture<?>[1];
      poll[0] = loop.scheduleAtFixedRate(() -> {
        if (clients.isEmpty() || System.nanoTime() >= deadline) {
          poll[0].cancel(false);
          if (!clients.isEmpty()) {
            LOG.warning(() -> "server.drain_timeout (" + Durations.format(drain) + ") passed with " + clients.size()
                + " client connection(s) still open: closing them");
          }
          clients.close().addListener(all -> closed.tryComplete());
        }
      }, DRAIN_POLL_MILLIS, DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
    });
    return closed.future();
  }
}
