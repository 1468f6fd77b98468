package dev.modelgate.gateway.upstream;

import dev.modelgate.core.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Keep-alive HTTP/1.1 connections to backends, kept per event loop: a request borrows a connection
 * of its own event loop, so the client side and the upstream side of an exchange run on one thread
 * with no hand-over, no locks and no shared pool bookkeeping. Connections are opened on demand (as
 * nginx does, with no cap), reused most-recently-idle first, and closed after {@code idle} without
 * use or when the backend closes them.
 */
public final class UpstreamPool {
  private static final int SWEEPS_PER_IDLE_TIMEOUT = 4;
  // A backend is configured, not a stranger: its header names are not checked character by character
  // (the decoder still splits lines and fields, so nothing can be smuggled into the client's head).
  private static final HttpDecoderConfig ANSWERS = new HttpDecoderConfig()
      .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false));

  private final ChannelFactory<? extends Channel> channels;
  private final AddressResolverGroup<? extends SocketAddress> resolver;
  private final int connectTimeoutMillis;
  private final long idleNanos;
  // Made off the event loops for the first https endpoint: setting up the JDK's TLS (reading its
  // trusted CAs) takes a few hundred milliseconds that start-up should not pay.
  private final AtomicReference<CompletableFuture<SslContext>> tls = new AtomicReference<>();
  private final FastThreadLocal<LoopConnections> perLoop = new FastThreadLocal<>();
  // Every loop's connections, so close() can reach them from any thread.
  private final Map<LoopConnections, Boolean> loops = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public UpstreamPool(ChannelFactory<? extends Channel> channels, AddressResolverGroup<? extends SocketAddress> resolver, Duration connectTimeout,
      Duration idle) {
    this.channels = channels;
    this.resolver = resolver;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    this.idleNanos = idle.toNanos();
  }

  /**
   * Hands {@code ready} a connection to {@code endpoint} on {@code loop} (the caller's own event
   * loop), or the reason none could be opened. Call on {@code loop}; {@code ready} runs there.
   */
  public void acquire(EventLoop loop, Endpoint endpoint, BiConsumer<UpstreamConnection, Throwable> ready) {
    if (closed) {
      ready.accept(null, new IllegalStateException("the gateway is shutting down"));
      return;
    }
    LoopConnections connections = perLoop.getIfExists();
    if (connections == null) {
      connections = new LoopConnections(loop);
      perLoop.set(connections);
    }
    UpstreamConnection idle = connections.take(endpoint.url());
    if (idle != null) {
      ready.accept(idle, null);
      return;
    }
    connect(loop, endpoint, connections, ready);
  }

  private void connect(EventLoop loop, Endpoint endpoint, LoopConnections connections, BiConsumer<UpstreamConnection, Throwable> ready) {
    if (!endpoint.ssl()) {
      connect(loop, endpoint, null, connections, ready);
      return;
    }
    tls().whenComplete((context, failure) -> loop.execute(() -> {
      if (failure != null) {
        ready.accept(null, failure);
      } else {
        connect(loop, endpoint, context, connections, ready);
      }
    }));
  }

  private void connect(EventLoop loop, Endpoint endpoint, SslContext context, LoopConnections connections,
      BiConsumer<UpstreamConnection, Throwable> ready) {
    UpstreamConnection connection = new UpstreamConnection(endpoint.url(), connections);
    Bootstrap bootstrap = new Bootstrap()
        .group(loop)
        .channelFactory(channels)
        .resolver(resolver)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            if (context != null) {
              channel.pipeline().addLast(tlsHandler(context, channel, endpoint));
            }
            channel.pipeline().addLast(codec(), connection);
          }
        });
    bootstrap.connect(InetSocketAddress.createUnresolved(endpoint.host(), endpoint.port())).addListener((ChannelFutureListener) connected -> {
      if (connected.isSuccess()) {
        connections.opened(connection);
        ready.accept(connection, null);
      } else {
        ready.accept(null, connected.cause());
      }
    });
  }

  /** The HTTP/1.1 codec of each backend connection (public for the codec benchmark). */
  public static HttpClientCodec codec() {
    return new HttpClientCodec(ANSWERS, false, false);
  }

  // The backend's certificate must be valid for its host name, as any HTTPS client checks.
  private static SslHandler tlsHandler(SslContext context, Channel channel, Endpoint endpoint) {
    SslHandler handler = context.newHandler(channel.alloc(), endpoint.host(), endpoint.port());
    SSLEngine engine = handler.engine();
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(parameters);
    return handler;
  }

  private CompletableFuture<SslContext> tls() {
    CompletableFuture<SslContext> context = tls.get();
    if (context == null) {
      CompletableFuture<SslContext> made = new CompletableFuture<>();
      context = tls.compareAndSet(null, made) ? made : tls.get();
      if (context == made) {
        GlobalEventExecutor.INSTANCE.execute(() -> {
          try {
            made.complete(SslContextBuilder.forClient().build());
          } catch (SSLException | RuntimeException e) {
            made.completeExceptionally(new IllegalStateException("cannot set up TLS for https backends: " + e.getMessage(), e));
          }
        });
      }
    }
    return context;
  }

  /** Closes every connection, idle or busy, on its own event loop; later acquisitions fail. */
  public void close() {
    closed = true;
    for (LoopConnections connections : loops.keySet()) {
      connections.loop.execute(connections::closeAll);
    }
  }

  /** One event loop's connections: only ever touched on that loop. */
  final class LoopConnections {
    private final EventLoop loop;
    private final Map<String, ArrayDeque<UpstreamConnection>> idleByEndpoint = new HashMap<>();
    private final List<UpstreamConnection> open = new ArrayList<>();

    LoopConnections(EventLoop loop) {
      this.loop = loop;
      loops.put(this, Boolean.TRUE);
      long sweepNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idleNanos / SWEEPS_PER_IDLE_TIMEOUT);
      loop.scheduleWithFixedDelay(this::closeLongIdle, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
    }

    UpstreamConnection take(String endpoint) {
      ArrayDeque<UpstreamConnection> idle = idleByEndpoint.get(endpoint);
      if (idle == null) {
        return null;
      }
      UpstreamConnection connection;
      while ((connection = idle.pollFirst()) != null) {
        if (connection.isOpen()) {
          return connection;
        }
      }
      return null;
    }

    void opened(UpstreamConnection connection) {
      open.add(connection);
      if (closed) {
        connection.close();
      }
    }

    void idle(UpstreamConnection connection) {
      if (closed) {
        connection.close();
        return;
      }
      idleByEndpoint.computeIfAbsent(connection.endpoint(), k -> new ArrayDeque<>()).addFirst(connection);
    }

    void gone(UpstreamConnection connection) {
      open.remove(connection);
      ArrayDeque<UpstreamConnection> idle = idleByEndpoint.get(connection.endpoint());
      if (idle != null) {
        idle.remove(connection);
      }
    }

    // The least recently used sit at the tail: close those idle for too long.
    private void closeLongIdle() {
      long now = System.nanoTime();
      for (ArrayDeque<UpstreamConnection> idle : idleByEndpoint.values()) {
        UpstreamConnection oldest;
        while ((oldest = idle.peekLast()) != null && now - oldest.idleSince() >= idleNanos) {
          idle.pollLast();
          oldest.close();
        }
      }
    }

    private void closeAll() {
      for (UpstreamConnection connection : List.copyOf(open)) {
        connection.close();
      }
      idleByEndpoint.clear();
    }
  }
}
