package dev.modelgate.gateway.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * One keep-alive connection to a backend, carrying one exchange at a time. It goes back to its
 * event loop's idle connections only after a complete answer that leaves it reusable; a cancelled or
 * failed exchange closes it, since its state on the wire is unknown.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {
  /** What the exchange using this connection hears, all on the connection's event loop. */
  public interface Listener {
    void head(HttpResponse head);

    /** {@code content} is the listener's to release (or to write on). */
    void content(HttpContent content, boolean last);

    /** The end of one read from the socket: the moment to flush what was relayed. */
    void readComplete();

    /** The connection failed or closed before the answer was complete. */
    void failed(Throwable cause);
  }

  private final String endpoint;
  private final UpstreamPool.LoopConnections home;
  private Channel channel;
  private Listener listener;
  private boolean reusable;
  private boolean interim;
  private long idleSince;

  UpstreamConnection(String endpoint, UpstreamPool.LoopConnections home) {
    this.endpoint = endpoint;
    this.home = home;
  }

  String endpoint() {
    return endpoint;
  }

  long idleSince() {
    return idleSince;
  }

  boolean isOpen() {
    return channel != null && channel.isActive();
  }

  /** Sends {@code request} (released by the write) and reports its answer to {@code to}. */
  public void send(FullHttpRequest request, Listener to) {
    listener = to;
    // A write that fails reaches exceptionCaught, which fails the exchange: no promise needed.
    channel.writeAndFlush(request, channel.voidPromise());
  }

  /** Abandons the exchange: the listener hears nothing more and the connection is closed. */
  public void cancel() {
    listener = null;
    close();
  }

  /** Stops or resumes reading the answer, for a client that reads more slowly than the backend writes. */
  public void readAnswer(boolean read) {
    channel.config().setAutoRead(read);
  }

  void close() {
    if (channel != null) {
      channel.close();
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Listener to = listener;
    if (to == null) {
      // Nothing may arrive on an idle connection; whatever does makes it unusable.
      ReferenceCountUtil.release(msg);
      close();
      return;
    }
    if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      fail(object.decoderResult().cause());
      close();
      return;
    }
    if (msg instanceof HttpResponse head) {
      if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        // The decoder ends an interim answer (100 Continue, 103 Early Hints) with an empty last
        // content of its own: that is not the end of the answer the exchange waits for.
        interim = true;
        ReferenceCountUtil.release(msg);
        return;
      }
      interim = false;
      reusable = HttpUtil.isKeepAlive(head);
      to.head(head);
    }
    if (interim && msg instanceof LastHttpContent) {
      interim = false;
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpContent content) {
      boolean last = content instanceof LastHttpContent;
      if (last) {
        listener = null;
      }
      to.content(content, last);
      if (last) {
        if (reusable && channel.isActive()) {
          channel.config().setAutoRead(true);
          idleSince = System.nanoTime();
          home.idle(this);
        } else {
          close();
        }
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Listener to = listener;
    if (to != null) {
      to.readComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    home.gone(this);
    fail(new IOException("the backend closed the connection"));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(cause);
    close();
  }

  private void fail(Throwable cause) {
    Listener to = listener;
    listener = null;
    if (to != null) {
      to.failed(cause);
    }
  }
}
