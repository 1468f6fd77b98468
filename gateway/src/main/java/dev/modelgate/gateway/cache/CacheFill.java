package dev.modelgate.gateway.cache;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The one request that goes to the backend for a key: it copies the answer's body as it is relayed
 * and, at the end, completes the load the cache holds for the key. A 200 is kept (and handed to
 * the requests that waited); any other end fails the load, which the cache then drops, and the
 * waiters get the same error answer. Only the exchange's event loop calls it; each end settles
 * the load once.
 */
public final class CacheFill implements CacheLookup {
  private static final int INITIAL_CAPACITY = 1024;

  final CompletableFuture<StoredAnswer> load = new CompletableFuture<>();
  private final long ttlNanos;
  private final long limit;
  private byte[] body = new byte[INITIAL_CAPACITY];
  private int length;
  // Over the cache's bound: it could never be kept, so the copy stops.
  private boolean tooBig;

  CacheFill(long ttlNanos, long limit) {
    this.ttlNanos = ttlNanos;
    this.limit = Math.min(limit, Integer.MAX_VALUE - 16);
  }

  /** A piece of the answer's body, copied before it is written on; {@code data} is not consumed. */
  public void capture(ByteBuf data) {
    int n = data.readableBytes();
    if (tooBig || n == 0) {
      return;
    }
    if (length + (long) n > limit) {
      tooBig = true;
      body = null;
      return;
    }
    if (length + n > body.length) {
      body = Arrays.copyOf(body, (int) Math.min(limit, Math.max(2L * body.length, length + n)));
    }
    data.getBytes(data.readerIndex(), body, length, n);
    length += n;
  }

  /** The backend's answer ended whole, with {@code headers} as relayed. */
  public void relayed(int status, HttpHeaders headers) {
    if (tooBig) {
      load.completeExceptionally(LoadFailed.ASK_AGAIN);
      return;
    }
    StoredAnswer answer = StoredAnswer.of(status, headers, Arrays.copyOf(body, length), ttlNanos);
    if (status == 200) {
      load.complete(answer);
    } else {
      load.completeExceptionally(new LoadFailed(answer));
    }
  }

  /** The gateway ended the request with an error of its own, an OpenAI error body. */
  public void failed(int status, byte[] errorJson) {
    HttpHeaders headers = new DefaultHttpHeaders(false).set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    load.completeExceptionally(new LoadFailed(StoredAnswer.of(status, headers, errorJson, ttlNanos)));
  }

  /** The request ended with nothing to share: its client left. */
  public void abandoned() {
    load.completeExceptionally(LoadFailed.ASK_AGAIN);
  }
}
