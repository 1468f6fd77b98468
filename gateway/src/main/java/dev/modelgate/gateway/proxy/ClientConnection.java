package dev.modelgate.gateway.proxy;

import dev.modelgate.gateway.config.ClientLimits;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.OpenAiError;
import dev.modelgate.gateway.server.ClientRefusal;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of the data plane, on one event loop: it turns decoded HTTP/1.1 messages
 * into {@link Exchange}s one at a time, and enforces the {@link ClientLimits} no exchange sees:
 * <ul>
 *   <li>a connection that completes no request head within the idle timeout — after it opened, or
 *       after its last response — is closed (slowloris, idle keep-alive);
 *   <li>a request line or head the decoder refuses gets 414, 431 or 400 in OpenAI's error shape, as
 *       does a request with more header lines than allowed, and the connection is closed. Such an
 *       answer carries an {@code x-request-id} (the client's when its head could be read) and is
 *       recorded like any other.
 * </ul>
 * Pipelined requests wait, in order, until the answer before them is complete; reading from the
 * client pauses meanwhile, so a client cannot queue up more than one read's worth.
 *
 * <p>Its exchanges run one at a time, each recorded before the next begins, so the connection
 * hands the same parts to one after another instead of making them per request: the {@link Intake}
 * (and body array), the {@link BodyScan}, the {@link UpstreamAttempt}, the {@link Relay}, and one
 * timer for the current exchange's deadline. That timer is set for the first deadline and, when it
 * fires, re-arms for the deadline of the exchange then current: a keep-alive connection serving
 * requests faster than their timeout schedules one task per timeout, not one per request.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
  // Long enough for what was in flight when the answer went out; a client still sending after that is cut off.
  private static final long LINGER_MILLIS = 2_000;
  private final ProxyHandler proxy;
  private final ClientLimits limits;
  private final DataPlane dataPlane;
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();
  private Channel channel;
  private Exchange current;
  // The body of the latest request head is still arriving.
  private boolean bodyOpen;
  private long quietSince = System.nanoTime();
  private ScheduledFuture<?> idleCheck;
  private boolean closing;
  final Intake intake = new Intake();
  final Relay relay = new Relay();
  final BodyScan scan = new BodyScan();
  private UpstreamAttempt spareAttempt;
  private final Runnable deadlineCheck = this::deadlineReached;
  private ScheduledFuture<?> deadlineTimer;
  private long deadlineTimerAt;

  ClientConnection(ProxyHandler proxy, ClientLimits limits, DataPlane dataPlane) {
    this.proxy = proxy;
    this.limits = limits;
    this.dataPlane = dataPlane;
  }

  Channel channel() {
    return channel;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    long checkNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), limits.idleTimeout().toNanos() / 4);
    idleCheck = ctx.executor().scheduleWithFixedDelay(this::closeIfIdleTooLong, checkNanos, checkNanos, TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!waiting.isEmpty() || (msg instanceof HttpRequest && current != null)) {
      waiting.add(msg);
      channel.config().setAutoRead(false);
      return;
    }
    handle(msg);
  }

  private void handle(Object msg) {
    if (msg instanceof HttpRequest request) {
      begin(request);
    }
    if (msg instanceof HttpContent content) {
      boolean last = content instanceof LastHttpContent;
      // An invalid request is decoded whole: once its head is refused, its content is not looked at.
      if (!closing) {
        if (content.decoderResult().isFailure()) {
          refuseUnreadable(content);
        } else if (current != null && bodyOpen) {
          current.bodyChunk(content.content(), last);
        }
      }
      content.release();
      if (last) {
        bodyOpen = false;
      }
    }
  }

  private void begin(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      refuseUnreadable(request);
      return;
    }
    if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1) && !request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      refuse(request, ClientRefusal.malformed().kind(), ClientRefusal.malformed().message());
      return;
    }
    if (request.headers().size() > limits.maxHeaders()) {
      refuse(request, ErrorKind.HEADERS_TOO_LARGE, ClientRefusal.tooManyHeaders(limits));
      return;
    }
    bodyOpen = true;
    boolean keepAlive = HttpUtil.isKeepAlive(request) && !dataPlane.draining();
    current = new Exchange(proxy, this, request, keepAlive);
    current.begin();
  }

  private void refuseUnreadable(HttpObject message) {
    ClientRefusal refusal = ClientRefusal.of(message.decoderResult().cause(), limits);
    if (current != null) {
      // A body that breaks off mid-way: the exchange reading it answers, and the connection closes.
      closing = true;
      bodyOpen = false;
      current.bodyUnreadable(refusal.kind(), refusal.message());
      return;
    }
    refuse(null, refusal.kind(), refusal.message());
  }

  /**
   * Answers a request that never became an exchange; {@code readable} is its head when the decoder
   * read it whole, {@code null} otherwise. The rest of the request stays unread, so the connection
   * cannot carry another one.
   */
  private void refuse(HttpRequest readable, ErrorKind kind, String message) {
    long start = System.nanoTime();
    closing = true;
    String requestId = readable == null ? RequestIds.generate() : RequestIds.acceptOrGenerate(readable.headers().get(Exchange.X_REQUEST_ID));
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(kind.status()),
        Unpooled.wrappedBuffer(OpenAiError.json(kind, message, null)));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set(Exchange.X_REQUEST_ID, requestId);
    channel.writeAndFlush(response).addListener(written -> closeAfterAnswer());
    proxy.recorder().refused(requestId, readable, kind.status(), start, message);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (current != null && bodyOpen) {
      current.bodyPending();
    }
    ctx.fireChannelReadComplete();
  }

  /** The exchange's answer is complete on the wire (or abandoned): the next request may go. */
  void answered(boolean keepAlive) {
    current = null;
    quietSince = System.nanoTime();
    if (!keepAlive || closing) {
      closeAfterAnswer();
      return;
    }
    if (dataPlane.draining() && !bodyOpen && waiting.isEmpty()) {
      channel.close();
      return;
    }
    Object next;
    while (current == null && (next = waiting.poll()) != null) {
      handle(next);
      // The body of the request just begun follows it in the queue.
      while (current != null && !(waiting.peek() instanceof HttpRequest) && (next = waiting.poll()) != null) {
        handle(next);
      }
    }
    if (waiting.isEmpty() && !closing) {
      channel.config().setAutoRead(true);
    }
  }

  /**
   * Ends the connection once its last answer is written. Part of the request may still be on its
   * way (the rest of a refused body, a pipelined request): closing with it unread makes the kernel
   * reset the connection, and the reset can destroy the answer before the client has read it. So
   * the answer is followed by a FIN, and whatever still arrives is dropped until the client closes
   * too or {@link #LINGER_MILLIS} pass.
   */
  private void closeAfterAnswer() {
    closing = true;
    if (!(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
      channel.close();
      return;
    }
    duplex.shutdownOutput().addListener(shut -> {
      if (!shut.isSuccess()) {
        channel.close();
        return;
      }
      channel.config().setAutoRead(true);
      channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    });
  }

  /** Shutting down with no request queued behind the current one: its answer is the connection's last. */
  boolean lastBeforeShutdown() {
    return dataPlane.draining() && waiting.isEmpty();
  }

  /** On shutdown: a connection with no exchange in progress closes now, the others after their answer. */
  void closeIfIdle() {
    if (current == null) {
      channel.close();
    }
  }

  private void closeIfIdleTooLong() {
    // Until its answer is out the exchange is in charge: it bounds the body and the answer.
    if (current == null && System.nanoTime() - quietSince >= limits.idleTimeout().toNanos()) {
      channel.close();
    }
  }

  /** An attempt for the current exchange: the last one's, when it was left reusable. */
  UpstreamAttempt attempt() {
    UpstreamAttempt attempt = spareAttempt;
    spareAttempt = null;
    return attempt != null ? attempt : new UpstreamAttempt();
  }

  /** The current exchange ended; its attempt serves the next one if no callback is still to come for it. */
  void doneWith(UpstreamAttempt attempt) {
    if (attempt.reusable()) {
      spareAttempt = attempt;
    }
  }

  /** The current exchange's deadline is now {@code atNanos}: make sure the timer fires by then. */
  void deadline(long atNanos) {
    if (deadlineTimer != null) {
      if (deadlineTimerAt - atNanos <= 0) {
        // Fires first, and then re-arms for this one.
        return;
      }
      deadlineTimer.cancel(false);
    }
    armDeadlineTimer(atNanos);
  }

  private void armDeadlineTimer(long atNanos) {
    deadlineTimerAt = atNanos;
    deadlineTimer = channel.eventLoop().schedule(deadlineCheck, atNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  private void deadlineReached() {
    deadlineTimer = null;
    Exchange exchange = current;
    if (exchange == null || !exchange.hasDeadline()) {
      return;
    }
    long due = exchange.deadlineNanos();
    if (System.nanoTime() - due >= 0) {
      exchange.deadlinePassed();
    } else {
      armDeadlineTimer(due);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (current != null && channel.isWritable()) {
      current.clientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    idleCheck.cancel(false);
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
      deadlineTimer = null;
    }
    for (Object msg : waiting) {
      ReferenceCountUtil.release(msg);
    }
    waiting.clear();
    if (current != null) {
      Exchange gone = current;
      current = null;
      gone.clientGone();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset or a broken pipe: the client is gone, which channelInactive reports.
    channel.close();
  }
}
