package dev.modelgate.gateway.proxy;

import dev.modelgate.gateway.openai.ErrorKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Arrays;

/**
 * Takes a request's body in, once (phase {@code BODY}): within {@code max_body_bytes}, after a
 * 100-continue when the client waits for one, and within {@code request_read_timeout} of its head.
 * An oversized or late body is refused and the rest of it never read.
 *
 * <p>One per client connection, serving its exchanges one at a time, and so is the array the body is
 * read into: the next request on the connection reuses it (unless it grew large). The exchange reads
 * the array until it ends, and a connection begins its next exchange only after that. The read
 * deadline is set only when a read from the client ends with the body incomplete: most bodies arrive
 * in the read that brought their head.
 */
final class Intake {
  private static final int INITIAL_BODY_CAPACITY = 4096;
  // A declared length is a promise, not bytes: never reserve more than this before they arrive.
  private static final int MAX_UP_FRONT_BODY_CAPACITY = 64 * 1024;
  // A connection keeps an array this large between requests; a larger one is the request's alone.
  private static final int MAX_KEPT_CAPACITY = 16 * 1024;

  private static final byte[] NO_BODY = {};

  private Exchange exchange;
  private long maxBytes;
  private byte[] body = NO_BODY;
  private int length;
  /** When the body was whole; 0 until then. */
  long wholeNanos;

  /** Starts reading the body of {@code exchange}'s request; {@code false} when its declared length is refused. */
  boolean open(Exchange exchange) {
    exchange.moveTo(Phase.BODY);
    long maxBytes = exchange.proxy.settings().maxBodyBytes();
    long declared = HttpUtil.getContentLength(exchange.request, -1L);
    if (declared > maxBytes) {
      refuseOversized(exchange);
      return false;
    }
    // Without the interim answer, clients such as curl hold the body back for a second or more.
    if (HttpUtil.is100ContinueExpected(exchange.request)) {
      exchange.channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    this.exchange = exchange;
    this.maxBytes = maxBytes;
    this.length = 0;
    this.wholeNanos = 0;
    // A declared length sizes the buffer exactly (a typical chat body is far below 4 KiB).
    int wanted = (int) (declared >= 0 ? Math.min(declared, MAX_UP_FRONT_BODY_CAPACITY) : INITIAL_BODY_CAPACITY);
    if (body.length < wanted || body.length > MAX_KEPT_CAPACITY) {
      body = new byte[wanted];
    }
    return true;
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
        exchange.clearDeadline();
        wholeNanos = System.nanoTime();
        exchange.route(body, length);
      }
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  /** A read ended with the body incomplete: from now on it has {@code request_read_timeout} to arrive. */
  void pending() {
    if (!exchange.hasDeadline()) {
      exchange.deadline(System.nanoTime() + exchange.proxy.settings().requestReadTimeout().toNanos());
    }
  }

  /** The exchange ended: let go of it, and of an array too large to keep for the next request. */
  void finish() {
    exchange = null;
    if (body.length > MAX_KEPT_CAPACITY) {
      body = NO_BODY;
    }
  }

  /** The body deadline passed. */
  void timedOut() {
    exchange.refuse(ErrorKind.REQUEST_TIMEOUT,
        "The request body did not arrive within " + exchange.proxy.settings().requestReadTimeout().toMillis() + " ms.", null);
  }
}
