package dev.modelgate.gateway.proxy;

import dev.modelgate.core.Endpoint;
import dev.modelgate.gateway.metrics.Outcome;
import dev.modelgate.gateway.metrics.UpstreamError;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.upstream.UpstreamConnection;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * A routed request's exchange with its version's backends: choose an endpoint (least outstanding
 * requests), borrow or open a connection to it on the exchange's own event loop, send. A connection
 * that cannot be had means nothing reached the backend, so another endpoint of the same version
 * takes the request — never another version. Whatever the backend sends is handed to a
 * {@link Relay}.
 *
 * <p>One timer bounds it all: a whole answer must arrive within {@code upstream_timeout}, and a
 * stream must not fall silent that long. Rather than a timer per chunk, a stream's timer re-arms
 * itself for the time left since the last sign of life; a stream paused for a slow client is not
 * silent. The deadline is the exchange's, kept by its client connection's one timer.
 *
 * <p>This object is the pool's callback ({@link #accept}) and the connection's listener, so neither
 * costs an allocation, and the client connection reuses it for its next exchange — unless its
 * exchange ended while a connection was being opened for it: that callback is still to come, and
 * must find its own (ended) exchange, not the next one.
 */
final class UpstreamAttempt implements BiConsumer<UpstreamConnection, Throwable>, UpstreamConnection.Listener {
  private Exchange exchange;
  private boolean streaming;
  /** The endpoint tried last. */
  Endpoint endpoint;
  long attemptStartNanos;
  /** When the first endpoint was tried; 0 if none was. */
  long firstStartNanos;
  private long lastActivityNanos;
  // The connection carrying the exchange, until the answer ends or is abandoned.
  private UpstreamConnection upstream;
  // Between asking the pool for a connection and its answer.
  private boolean awaitingConnection;

  /** Starts {@code exchange}'s attempt, this object's until the exchange ends. */
  void start(Exchange exchange, boolean streaming) {
    this.exchange = exchange;
    this.streaming = streaming;
    endpoint = null;
    attemptStartNanos = 0;
    firstStartNanos = 0;
    lastActivityNanos = 0;
    upstream = null;
    tryEndpoint(null);
  }

  /** Whether another exchange may use this object: no pool callback is still to come for this one. */
  boolean reusable() {
    return !awaitingConnection;
  }

  private void tryEndpoint(Endpoint failed) {
    // One clock read for the choice, the attempt's start and its deadline.
    long now = System.nanoTime();
    Endpoint chosen = exchange.decision.version().choose(now, failed);
    if (chosen == null) {
      if (failed != null) {
        exchange.fail(ErrorKind.UPSTREAM_FAILED, Outcome.UPSTREAM_ERROR, "Could not connect to any backend of " + exchange.decision.version() + ".");
      } else {
        exchange.proxy.recorder().upstreamError(exchange, UpstreamError.NO_HEALTHY_ENDPOINT);
        exchange.fail(ErrorKind.NO_HEALTHY_ENDPOINT, Outcome.UNAVAILABLE, "No healthy backend endpoint for " + exchange.decision.version() + ".");
      }
      return;
    }
    exchange.moveTo(Phase.CONNECTING);
    endpoint = chosen;
    chosen.started();
    attemptStartNanos = now;
    if (firstStartNanos == 0) {
      firstStartNanos = now;
      lastActivityNanos = now;
      exchange.deadline(now + exchange.proxy.settings().upstreamTimeout().toNanos());
    }
    awaitingConnection = true;
    exchange.proxy.upstreams().acquire(exchange.channel.eventLoop(), chosen, this);
  }

  /** The pool's answer: a connection to {@link #endpoint}, or {@code null} when none could be had. */
  @Override
  public void accept(UpstreamConnection connected, Throwable cause) {
    awaitingConnection = false;
    try {
      connected(connected);
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  private void connected(UpstreamConnection connected) {
    Endpoint target = endpoint;
    if (connected == null) {
      boolean retry = exchange.phase() == Phase.CONNECTING;
      if (retry) {
        exchange.moveTo(Phase.ROUTING);
        target.finished();
      }
      target.gate().unreachable();
      exchange.proxy.recorder().upstreamError(exchange, UpstreamError.CONNECT);
      if (retry) {
        tryEndpoint(target);
      }
      return;
    }
    if (exchange.phase() == Phase.DONE) {
      connected.cancel();
      return;
    }
    exchange.moveTo(Phase.AWAITING_HEAD);
    upstream = connected;
    connected.send(request(target), this);
  }

  private DefaultFullHttpRequest request(Endpoint target) {
    // The client's header map, filtered, carries the request on: the client's request needs it no more.
    HttpHeaders headers = exchange.request.headers();
    ForwardedHeaders.keepUpstream(headers);
    ByteBuf payload = exchange.spliced();
    headers.set(HttpHeaderNames.HOST, target.hostHeader());
    headers.setInt(HttpHeaderNames.CONTENT_LENGTH, payload.readableBytes());
    headers.set(Exchange.X_REQUEST_ID, exchange.requestId);
    String authorization = exchange.decision.version().upstreamAuthorization();
    if (authorization != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
    }
    String uri = target.upstreamPath(exchange.path);
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, exchange.query == null ? uri : uri + "?" + exchange.query,
        payload, headers, EmptyHttpHeaders.INSTANCE);
  }

  @Override
  public void head(HttpResponse head) {
    try {
      if (exchange.phase() != Phase.DONE) {
        lastActivityNanos = System.nanoTime();
        exchange.moveTo(Phase.HEAD_HELD);
        exchange.relay = exchange.connection.relay.start(exchange, this, head);
      }
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  @Override
  public void content(HttpContent content, boolean last) {
    if (last) {
      // The connection goes back to its pool (or closes) on its own.
      upstream = null;
    }
    if (exchange.phase() == Phase.DONE) {
      content.release();
      return;
    }
    exchange.relay.content(content, last);
  }

  @Override
  public void readComplete() {
    if (exchange.phase().headWritten()) {
      exchange.relay.flush();
    }
  }

  @Override
  public void failed(Throwable cause) {
    upstream = null;
    try {
      upstreamFailed(cause);
    } catch (RuntimeException e) {
      exchange.failedInside(e);
    }
  }

  /** The relay saw data or the client drained: the backend is not silent. */
  void active(long nanos) {
    lastActivityNanos = nanos;
  }

  /** Stops or resumes reading the backend's answer, for a client slower than the backend. */
  void readAnswer(boolean read) {
    upstream.readAnswer(read);
  }

  private void arm(long nanos) {
    exchange.deadline(System.nanoTime() + nanos);
  }

  /** The upstream deadline passed (the exchange is not done). */
  void deadlinePassed() {
    long silentNanos = System.nanoTime() - lastActivityNanos;
    long timeoutNanos = exchange.proxy.settings().upstreamTimeout().toNanos();
    boolean paused = exchange.phase() == Phase.PAUSED;
    if (streaming && (paused || silentNanos < timeoutNanos)) {
      arm(paused ? timeoutNanos : timeoutNanos - silentNanos);
      return;
    }
    upstreamFailed(new TimeoutException("no complete answer within " + exchange.proxy.settings().upstreamTimeout().toMillis() + " ms"));
  }

  private void upstreamFailed(Throwable cause) {
    if (exchange.phase() == Phase.DONE) {
      return;
    }
    boolean timeout = cause instanceof TimeoutException;
    exchange.proxy.recorder().upstreamError(exchange, timeout ? UpstreamError.TIMEOUT : UpstreamError.BROKEN);
    ErrorKind kind = timeout ? ErrorKind.UPSTREAM_TIMEOUT : ErrorKind.UPSTREAM_FAILED;
    Outcome outcome = timeout ? Outcome.TIMEOUT : Outcome.UPSTREAM_ERROR;
    String message = timeout
        ? "The backend of " + exchange.decision.version() + " did not answer within " + exchange.proxy.settings().upstreamTimeout().toMillis() + " ms."
        : "The backend of " + exchange.decision.version() + " failed: " + cause.getMessage();
    exchange.fail(kind, outcome, message);
  }

  /** On the end of the exchange: a backend exchange still open is abandoned. */
  void stop() {
    UpstreamConnection open = upstream;
    upstream = null;
    if (open != null) {
      open.cancel();
    }
  }
}
