package dev.modelgate.gateway.proxy;

import dev.modelgate.gateway.openai.ErrorKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Takes a request's body in, once (phase {@code BODY}): within {@code max_body_bytes}, after a
 * 100-continue when the client waits for one, and within {@code request_read_timeout} of its head.
 * An oversized or late body is refused and the rest of it never read.
 *
 * <p>The read timer starts only when a read from the client ends with the body incomplete: most
 * bodies arrive in the read that brought their head, and a timer per request would cost them all.
 * As a {@link Runnable} this is that timer's task.
 */
final class Intake implements Runnable {
  private static final int INITIAL_BODY_CAPACITY = 4096;
  // A declared length is a promise, not bytes: never reserve more than this before they arrive.
  private static final int MAX_UP_FRONT_BODY_CAPACITY = 64 * 1024;

  private final Exchange exchange;
  private final long maxBytes;
  private byte[] body;
  private int length;
  private ScheduledFuture<?> deadline;
  /** When the body was whole; 0 until then. */
  long wholeNanos;

  private Intake(Exchange exchange, long declared) {
    this.exchange = exchange;
    this.maxBytes = exchange.proxy.settings().maxBodyBytes();
    // A declared length sizes the buffer exactly (a typical chat body is far below 4 KiB).
    this.body = new byte[(int) (declared >= 0 ? Math.min(declared, MAX_UP_FRONT_BODY_CAPACITY) : INITIAL_BODY_CAPACITY)];
  }

  /** Starts reading the body of {@code exchange}'s request; {@code null} when its declared length is refused. */
  static Intake open(Exchange exchange) {
    exchange.moveTo(Phase.BODY);
    long declared = HttpUtil.getContentLength(exchange.request, -1L);
    if (declared > exchange.proxy.settings().maxBodyBytes()) {
      refuseOversized(exchange);
      return null;
    }
    // Without the interim answer, clients such as curl hold the body back for a second or more.
    if (HttpUtil.is100ContinueExpected(exchange.request)) {
      exchange.channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    return new Intake(exchange, declared);
  }

  private static void refuseOversized(Exchange exchange) {
    exchange.refuse(ErrorKind.BODY_TOO_LARGE, "The request body exceeds the limit of " + exchange.proxy.settings().maxBodyBytes() + " bytes.", null);
  }

  /** A piece of the body; the caller keeps and releases {@code chunk}. */
  void chunk(ByteBuf chunk, boolean last) {
    try {
      int n = chunk.readableBytes();
      if ((long) length + n > maxBytes) {
        refuseOversized(exchange);
        return;
      }
      if (length + n > body.length) {
        body = Arrays.copyOf(body, (int) Math.min(maxBytes, Math.max((long) body.length * 2, length + n)));
      }
      chunk.getBytes(chunk.readerIndex(), body, length, n);
      length += n;
      if (last) {
        stop();
        wholeNanos = System.nanoTime();
        exchange.route(body, length);
      }
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  /** A read ended with the body incomplete: from now on it has {@code request_read_timeout} to arrive. */
  void pending() {
    if (deadline == null) {
      deadline = exchange.channel.eventLoop().schedule(this, exchange.proxy.settings().requestReadTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** The body deadline passed. */
  @Override
  public void run() {
    deadline = null;
    try {
      if (exchange.phase() == Phase.BODY) {
        exchange.refuse(ErrorKind.REQUEST_TIMEOUT,
            "The request body did not arrive within " + exchange.proxy.settings().requestReadTimeout().toMillis() + " ms.", null);
      }
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  void stop() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
