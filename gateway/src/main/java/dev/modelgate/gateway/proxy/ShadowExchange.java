package dev.modelgate.gateway.proxy;

import dev.modelgate.core.Endpoint;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.metrics.Outcome;
import dev.modelgate.gateway.metrics.UpstreamError;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.UsageReader;
import dev.modelgate.gateway.upstream.UpstreamConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One copy of a client's request sent to a shadow version: one endpoint, one try, its answer read
 * to the end (streams too) and dropped, bounded in time like the client's own exchange
 * ({@code upstream_timeout}; for a stream, that long silent). It runs on the client's event loop
 * but shares no state with the client's {@link Exchange}: whatever the shadow does, the client's
 * answer is neither delayed nor changed. How it ended goes to the {@link Recorder}: the shadow
 * version's SLO window and breaker, metrics (route {@code shadow}) and the access log.
 */
final class ShadowExchange implements Runnable, BiConsumer<UpstreamConnection, Throwable>, UpstreamConnection.Listener {
  private static final Logger LOG = Logger.getLogger(ShadowExchange.class.getName());

  private final Shadows shadows;
  final RouteDecision decision;
  final String requestId;
  final String path;
  private final String query;
  private final HttpHeaders headers;
  private final byte[] payload;
  private final boolean streaming;
  private final EventLoop loop;
  final long startNanos = System.nanoTime();
  GatewayMetrics.RouteMeters meters;
  /** The endpoint tried; {@code null} when none could take the copy. */
  Endpoint endpoint;
  /** Whether {@link #endpoint} counts this copy as outstanding and awaits its verdict. */
  boolean holdsEndpoint;
  long attemptStartNanos;
  /** The status the backend answered, or the one the gateway would have answered for its failure. */
  int status;
  boolean eventStream;
  UsageReader usage;
  long firstByteNanos = -1;
  String error;
  private long lastActivityNanos;
  private UpstreamConnection upstream;
  private ScheduledFuture<?> deadline;
  private boolean done;

  ShadowExchange(Shadows shadows, Exchange client, RouteDecision decision, byte[] payload, boolean streaming) {
    this.shadows = shadows;
    this.decision = decision;
    this.requestId = client.requestId;
    this.path = client.path;
    this.query = client.query;
    this.payload = payload;
    this.streaming = streaming;
    this.loop = client.channel.eventLoop();
    // A copy of the client's headers: its own are the client exchange's to change and send.
    this.headers = new DefaultHttpHeaders(false).set(client.request.headers());
    ForwardedHeaders.keepUpstream(headers);
  }

  void start() {
    try {
      meters = shadows.recorder().routed(decision);
      endpoint = decision.version().choose(startNanos, null);
      if (endpoint == null) {
        shadows.recorder().upstreamError(this, UpstreamError.NO_HEALTHY_ENDPOINT);
        finish(Outcome.UNAVAILABLE, ErrorKind.NO_HEALTHY_ENDPOINT.status(), "no healthy backend endpoint for " + decision.version());
        return;
      }
      endpoint.started();
      holdsEndpoint = true;
      attemptStartNanos = System.nanoTime();
      lastActivityNanos = attemptStartNanos;
      arm(timeoutNanos());
      shadows.upstreams().acquire(loop, endpoint, this);
    } catch (RuntimeException e) {
      failedInside(e);
    }
  }

  /** The pool's answer: a connection to {@link #endpoint}, or {@code null} when none could be had. */
  @Override
  public void accept(UpstreamConnection connected, Throwable cause) {
    try {
      if (connected == null) {
        if (!done) {
          // As for the client's exchange: an unreachable endpoint is its gate's news, not a verdict.
          holdsEndpoint = false;
          endpoint.finished();
          endpoint.gate().unreachable();
          shadows.recorder().upstreamError(this, UpstreamError.CONNECT);
          finish(Outcome.UPSTREAM_ERROR, ErrorKind.UPSTREAM_FAILED.status(), "could not connect to " + endpoint.url());
        }
        return;
      }
      if (done) {
        connected.cancel();
        return;
      }
      upstream = connected;
      connected.send(request(), this);
    } catch (RuntimeException e) {
      failedInside(e);
    }
  }

  private DefaultFullHttpRequest request() {
    headers.set(HttpHeaderNames.HOST, endpoint.hostHeader());
    headers.set(HttpHeaderNames.CONTENT_LENGTH, payload.length);
    headers.set(Exchange.X_REQUEST_ID, requestId);
    String authorization = decision.version().upstreamAuthorization();
    if (authorization != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
    } else {
      headers.remove(HttpHeaderNames.AUTHORIZATION);
    }
    String uri = endpoint.upstreamPath(path);
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, query == null ? uri : uri + "?" + query,
        Unpooled.wrappedBuffer(payload), headers, EmptyHttpHeaders.INSTANCE);
  }

  @Override
  public void head(HttpResponse head) {
    if (done) {
      return;
    }
    lastActivityNanos = System.nanoTime();
    status = head.status().code();
    String contentType = head.headers().get(HttpHeaderNames.CONTENT_TYPE);
    eventStream = contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
    usage = UsageReader.forContentType(contentType);
    if (status >= 500) {
      shadows.recorder().upstreamError(this, UpstreamError.STATUS_5XX);
    }
  }

  @Override
  public void content(HttpContent content, boolean last) {
    try {
      ByteBuf data = content.content();
      if (!done && data.isReadable()) {
        lastActivityNanos = System.nanoTime();
        if (firstByteNanos < 0) {
          firstByteNanos = lastActivityNanos;
        }
        if (usage != null && usage.wantsMore()) {
          Relay.scanUsage(usage, data);
        }
      }
    } catch (RuntimeException e) {
      failedInside(e);
    } finally {
      content.release();
    }
    if (last) {
      // The connection goes back to its pool (or closes) on its own.
      upstream = null;
      if (!done) {
        finish(status >= 500 ? Outcome.UPSTREAM_ERROR : Outcome.SUCCESS, status, status >= 500 ? "the shadow answered " + status : null);
      }
    }
  }

  @Override
  public void readComplete() {
    // Nothing is relayed, so nothing waits for a flush.
  }

  @Override
  public void failed(Throwable cause) {
    upstream = null;
    if (!done) {
      shadows.recorder().upstreamError(this, UpstreamError.BROKEN);
      finish(Outcome.UPSTREAM_ERROR, ErrorKind.UPSTREAM_FAILED.status(), "the shadow's backend failed: " + cause.getMessage());
    }
  }

  /** The deadline passed: a whole answer is late, or a stream has been silent that long. */
  @Override
  public void run() {
    deadline = null;
    if (done) {
      return;
    }
    long silentNanos = System.nanoTime() - lastActivityNanos;
    if (streaming && silentNanos < timeoutNanos()) {
      arm(timeoutNanos() - silentNanos);
      return;
    }
    shadows.recorder().upstreamError(this, UpstreamError.TIMEOUT);
    finish(Outcome.TIMEOUT, ErrorKind.UPSTREAM_TIMEOUT.status(),
        "the shadow did not answer within " + shadows.settings().upstreamTimeout().toMillis() + " ms");
  }

  private long timeoutNanos() {
    return shadows.settings().upstreamTimeout().toNanos();
  }

  private void arm(long nanos) {
    deadline = loop.schedule(this, nanos, TimeUnit.NANOSECONDS);
  }

  // A bug costs the copy, never the client's answer; the copy still ends and is counted once.
  private void failedInside(RuntimeException e) {
    LOG.log(Level.SEVERE, "shadow copy of request " + requestId + " failed inside the gateway", e);
    if (!done) {
      finish(Outcome.GATEWAY_ERROR, ErrorKind.INTERNAL.status(), "the gateway failed to send the shadow copy");
    }
  }

  /** The one way the copy ends: no more deadline, an open backend exchange abandoned, booked once. */
  private void finish(Outcome outcome, int endStatus, String why) {
    done = true;
    status = endStatus;
    error = why;
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
    UpstreamConnection open = upstream;
    upstream = null;
    if (open != null) {
      open.cancel();
    }
    shadows.ended();
    shadows.recorder().shadowFinished(this, outcome);
  }
}
