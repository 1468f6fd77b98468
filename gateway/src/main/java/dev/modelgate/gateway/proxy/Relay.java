package dev.modelgate.gateway.proxy;

import dev.modelgate.gateway.metrics.UpstreamError;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.OpenAiError;
import dev.modelgate.gateway.openai.UsageReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Carries a backend's answer back to the client, from its head on: the backend's headers, filtered
 * and tagged with the route; then each chunk as the backend sent it, the {@code ByteBuf} Netty read
 * written on unchanged, flushed once per backend read. Along the way it reads reported token usage,
 * keeps a silent stream alive with SSE comment pings until the first byte, and pauses the backend
 * while the client cannot keep up.
 *
 * <p>The head is held back until the first bytes of the body (or a ping): until then a backend that
 * falls silent can still be answered with a whole 504 rather than a broken answer. As a
 * {@link Runnable} this is the ping timer's task.
 */
final class Relay implements Runnable {
  private static final AsciiString X_ACCEL_BUFFERING = AsciiString.cached("x-accel-buffering");
  private static final AsciiString NO = AsciiString.cached("no");
  private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
  // Relayed chunks are read into this (per event loop) for the usage scan when they are off-heap.
  private static final FastThreadLocal<byte[]> SCAN_BUFFER = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[16 * 1024];
    }
  };

  private Exchange exchange;
  private UpstreamAttempt attempt;
  private Channel channel;
  private HttpResponseStatus status;
  boolean eventStream;
  /** Reads usage from the answer; {@code null} for a content type that reports none. */
  UsageReader usage;
  // The reader of an earlier answer, made ready for the next.
  private UsageReader reader;
  /** When the first byte of the body arrived; -1 until then. */
  long firstByteNanos = -1;
  /** When the backend's answer ended; 0 unless it did. */
  long endNanos;
  private ScheduledFuture<?> pings;

  /**
   * Starts relaying {@code exchange}'s answer, whose head is {@code head}. One relay per client
   * connection serves its exchanges one at a time: the recorder reads what it measured when the
   * exchange ends, before the connection begins its next one.
   */
  Relay start(Exchange exchange, UpstreamAttempt attempt, HttpResponse head) {
    this.exchange = exchange;
    this.attempt = attempt;
    this.channel = exchange.channel;
    this.status = head.status();
    this.firstByteNanos = -1;
    this.endNanos = 0;
    HttpHeaders headers = head.headers();
    String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
    boolean framed = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
    ForwardedHeaders.keepDownstream(headers);
    exchange.tag(headers);
    exchange.responseHeaders = headers;
    this.eventStream = contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
    this.usage = UsageReader.forContentType(contentType, reader);
    if (usage != null) {
      reader = usage;
    }
    if (eventStream) {
      headers.set(X_ACCEL_BUFFERING, NO);
      headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
    }
    int code = status.code();
    if (!framed && hasBody(code)) {
      // Without a length the answer is framed in chunks; an HTTP/1.0 client reads it to the close.
      if (exchange.request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
      if (eventStream && code < 400) {
        long every = exchange.proxy.settings().ssePingInterval().toNanos();
        pings = channel.eventLoop().scheduleAtFixedRate(this, every, every, TimeUnit.NANOSECONDS);
      }
    }
    if (code >= 500) {
      exchange.proxy.recorder().upstreamError(exchange, UpstreamError.STATUS_5XX);
    }
    return this;
  }

  static boolean hasBody(int status) {
    return status >= 200 && status != 204 && status != 304;
  }

  /** A piece of the answer, the relay's to release or write on. */
  void content(HttpContent content, boolean last) {
    // Not a lambda per chunk on the hot path, but the same answer to a bug.
    try {
      relay(content, last);
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  private void relay(HttpContent content, boolean last) {
    ByteBuf data = content.content();
    boolean readable = data.isReadable();
    long now = readable ? System.nanoTime() : 0;
    if (readable) {
      attempt.active(now);
      if (firstByteNanos < 0) {
        firstByteNanos = now;
        stopPinging();
      }
      if (usage != null && usage.wantsMore()) {
        try {
          scanUsage(usage, data);
        } catch (RuntimeException e) {
          content.release();
          throw e;
        }
      }
      if (exchange.cache != null) {
        exchange.cache.capture(data);
      }
    }
    sendHead();
    if (!last) {
      // No promise per chunk: a failed write reaches the connection's exceptionCaught, which closes it.
      channel.write(content, channel.voidPromise());
      if (!channel.isWritable() && exchange.phase() == Phase.RELAYING) {
        exchange.moveTo(Phase.PAUSED);
        attempt.readAnswer(false);
      }
      return;
    }
    // One clock read per chunk: the last bytes' arrival ends the exchange (their scan is then wrap-up).
    endNanos = readable ? now : System.nanoTime();
    exchange.relayed(content, status.code());
  }

  /** Feeds {@code data} to {@code usage} without consuming it; a shadow's answer is read the same way. */
  static void scanUsage(UsageReader usage, ByteBuf data) {
    int n = data.readableBytes();
    if (data.hasArray()) {
      int from = data.arrayOffset() + data.readerIndex();
      usage.feed(data.array(), from, from + n);
      return;
    }
    byte[] scratch = SCAN_BUFFER.get();
    for (int done = 0; done < n; done += scratch.length) {
      int length = Math.min(scratch.length, n - done);
      data.getBytes(data.readerIndex() + done, scratch, 0, length);
      usage.feed(scratch, 0, length);
    }
  }

  private void sendHead() {
    if (exchange.phase() == Phase.HEAD_HELD) {
      exchange.moveTo(Phase.RELAYING);
      channel.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, exchange.withConnection(Phase.HEAD_HELD, status.code())),
          channel.voidPromise());
    }
  }

  /** The end of one read from the backend: out with what was relayed. */
  void flush() {
    try {
      channel.flush();
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  /** The client drained what was written: read the backend's answer again. */
  void resume() {
    exchange.moveTo(Phase.RELAYING);
    attempt.active(System.nanoTime());
    attempt.readAnswer(true);
  }

  /**
   * A comment line keeps proxies and load balancers from closing a stream whose backend has sent
   * its headers but is still working on the first token; SSE clients ignore it.
   */
  @Override
  public void run() {
    try {
      if (exchange.phase() == Phase.DONE || firstByteNanos >= 0) {
        stopPinging();
        return;
      }
      sendHead();
      channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(PING)), channel.voidPromise());
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  void stopPinging() {
    if (pings != null) {
      pings.cancel(false);
      pings = null;
    }
  }

  /**
   * Ends an answer whose head is out without its terminating chunk, so no client takes it for
   * complete: a stream first gets an error event, then the connection is closed with a FIN after
   * what was written (a reset would let the client's kernel discard data it has not read yet).
   */
  void endUncleanly(ErrorKind kind, String message) {
    if (eventStream && channel.isActive()) {
      byte[] event = OpenAiError.sseEvent(kind, message).getBytes(StandardCharsets.UTF_8);
      channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(event))).addListener(ChannelFutureListener.CLOSE);
    } else {
      channel.flush();
      channel.close();
    }
  }
}
