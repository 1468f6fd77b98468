package dev.modelgate.gateway.proxy;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.Endpoint;
import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.Names;
import dev.modelgate.core.PinnedTarget;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.Target;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.gateway.log.AccessLog;
import dev.modelgate.gateway.log.AccessRecord;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.metrics.Outcome;
import dev.modelgate.gateway.metrics.UpstreamError;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.OpenAiError;
import dev.modelgate.gateway.openai.UsageReader;
import dev.modelgate.gateway.rollout.SloGuard;
import dev.modelgate.gateway.state.RoutingState;
import dev.modelgate.gateway.upstream.UpstreamConnection;
import dev.modelgate.gateway.upstream.UpstreamPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The data plane's request path: read the body once (bounded), find {@code model}, route on one
 * snapshot of the routing table, splice in the version's served model name, forward over a
 * keep-alive backend connection of the same event loop and relay the answer — streams chunk by
 * chunk as they arrive, with back-pressure — tagging every response with the version that served it.
 *
 * <p>All callbacks of one exchange run on the event loop of its client connection, so an
 * {@link Exchange} needs no synchronisation; it finishes exactly once.
 */
public final class ProxyHandler {
  private static final Logger LOG = Logger.getLogger(ProxyHandler.class.getName());
  static final AsciiString X_MODEL = AsciiString.cached("x-modelgate-model");
  static final AsciiString X_ALIAS = AsciiString.cached("x-modelgate-alias");
  static final AsciiString X_VERSION = AsciiString.cached("x-modelgate-version");
  static final AsciiString X_ROUTE = AsciiString.cached("x-modelgate-route");
  static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  private static final AsciiString X_ACCEL_BUFFERING = AsciiString.cached("x-accel-buffering");
  private static final AsciiString NO = AsciiString.cached("no");
  private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final List<String> FORWARDED_PATHS = List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");
  private static final int INITIAL_BODY_CAPACITY = 4096;
  // A declared length is a promise, not bytes: never reserve more than this before they arrive.
  private static final int MAX_UP_FRONT_BODY_CAPACITY = 64 * 1024;
  // Relayed chunks are read into this (per event loop) for the usage scan when they are off-heap.
  private static final FastThreadLocal<byte[]> SCAN_BUFFER = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[16 * 1024];
    }
  };

  private final UpstreamPool upstreams;
  private final RoutingState routing;
  private final ProxySettings settings;
  private final AccessLog accessLog;
  private final GatewayMetrics metrics;
  private final SloGuard sloGuard;
  private final ModelsEndpoint models;
  private final byte[][] clientKeys;

  public ProxyHandler(UpstreamPool upstreams, RoutingState routing, ProxySettings settings, AccessLog accessLog, GatewayMetrics metrics,
      SloGuard sloGuard) {
    this.upstreams = requireNonNull(upstreams, "upstreams");
    this.routing = requireNonNull(routing, "routing");
    this.settings = requireNonNull(settings, "settings");
    this.accessLog = requireNonNull(accessLog, "accessLog");
    this.metrics = requireNonNull(metrics, "metrics");
    this.sloGuard = requireNonNull(sloGuard, "sloGuard");
    this.models = new ModelsEndpoint();
    this.clientKeys = settings.clientKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
  }

  // Constant time over every configured key, so response timing says nothing about near misses.
  private boolean isAuthorized(String authorization) {
    if (clientKeys.length == 0) {
      return true;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] presented = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    boolean match = false;
    for (byte[] key : clientKeys) {
      match |= MessageDigest.isEqual(key, presented);
    }
    return match;
  }

  /** One client request and, once routed, its upstream exchange. */
  final class Exchange implements UpstreamConnection.Listener {
    private final ClientConnection connection;
    private final Channel channel;
    private final HttpRequest request;
    private final String path;
    private final String query;
    // The answer's head: the backend's own headers, filtered, or new ones for the gateway's answers.
    private HttpHeaders responseHeaders;
    private final long startNanos = System.nanoTime();
    private final String requestId;
    private final boolean keepAlive;
    private boolean closeAfter;
    private boolean headSent;
    private boolean answered;
    private byte[] body;
    private int bodyLength;
    private boolean bodyRefused;
    private String requestedModel;
    private RouteDecision decision;
    private GatewayMetrics.RouteMeters meters;
    private Endpoint endpoint;
    private boolean endpointHeld;
    private long attemptStartNanos;
    private UpstreamConnection upstream;
    private int status;
    private HttpResponseStatus upstreamStatus;
    private boolean streaming;
    private boolean eventStream;
    private long firstByteNanos = -1;
    private long bodyReadNanos;
    private long upstreamStartNanos;
    private long upstreamEndNanos;
    private UsageReader usage;
    private long lastActivityNanos;
    private boolean waitingForClient;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> pings;
    private boolean finished;
    private boolean inference;

    Exchange(ClientConnection connection, HttpRequest request, boolean keepAlive) {
      this.connection = connection;
      this.channel = connection.channel();
      this.request = request;
      this.keepAlive = keepAlive;
      // Until the gateway asks for a body the client holds back, the client may send it or not, so
      // a connection answered before then cannot carry another request.
      this.closeAfter = !keepAlive || HttpUtil.is100ContinueExpected(request);
      String target = originForm(request.uri());
      int q = target.indexOf('?');
      this.path = q < 0 ? target : target.substring(0, q);
      this.query = q < 0 ? null : target.substring(q + 1);
      this.requestId = RequestIds.acceptOrGenerate(request.headers().get(X_REQUEST_ID));
    }

    void begin() {
      guarded(this::route);
    }

    private void route() {
      HttpMethod method = request.method();
      if (path.equals("/v1/models") || path.startsWith("/v1/models/")) {
        if (!method.equals(HttpMethod.GET)) {
          refuse(ErrorKind.METHOD_NOT_ALLOWED, "Use GET for " + path + ".", null);
        } else if (!isAuthorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
          refuse(ErrorKind.INVALID_API_KEY, "Incorrect API key provided.", null);
        } else {
          ModelsEndpoint.Answer answer = models.answer(routing.table(), path);
          answerWhole(answer.status(), answer.json());
          finish(answer.status(), Outcome.SUCCESS, null);
        }
        return;
      }
      inference = FORWARDED_PATHS.contains(path);
      if (!inference) {
        refuse(ErrorKind.UNKNOWN_URL, "Invalid URL (" + method + " " + path + ").", null);
        return;
      }
      if (!method.equals(HttpMethod.POST)) {
        refuse(ErrorKind.METHOD_NOT_ALLOWED, "Use POST for " + path + ".", null);
        return;
      }
      if (!isAuthorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
        refuse(ErrorKind.INVALID_API_KEY, "Incorrect API key provided.", null);
        return;
      }
      long declared = HttpUtil.getContentLength(request, -1L);
      if (declared > settings.maxBodyBytes()) {
        refuseBody();
        return;
      }
      // Without the interim answer, clients such as curl hold the body back for a second or more.
      if (HttpUtil.is100ContinueExpected(request)) {
        closeAfter = !keepAlive;
        channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
      }
      // A declared length sizes the buffer exactly (a typical chat body is far below 4 KiB).
      body = new byte[(int) (declared >= 0 ? Math.min(declared, MAX_UP_FRONT_BODY_CAPACITY) : INITIAL_BODY_CAPACITY)];
    }

    /**
     * A read from the client ended with this request's body incomplete. A client trickling its body
     * (or promising more than it sends) must not hold the connection: the timer starts now, not with
     * every request, since most bodies arrive in the read that brought their head.
     */
    void bodyPending() {
      if (deadline == null && body != null && !finished) {
        armDeadline(settings.requestReadTimeout().toNanos(), this::bodyDeadline);
      }
    }

    private void bodyDeadline() {
      deadline = null;
      if (!finished) {
        closeAfter = true;
        refuse(ErrorKind.REQUEST_TIMEOUT, "The request body did not arrive within " + settings.requestReadTimeout().toMillis() + " ms.", null);
      }
    }

    /** A bug must cost one request a 500, never leave it hanging until a timeout. */
    private void guarded(Runnable step) {
      try {
        step.run();
      } catch (RuntimeException e) {
        failedInside(e);
      }
    }

    private void failedInside(RuntimeException e) {
      LOG.log(Level.SEVERE, "request " + requestId + " failed inside the gateway", e);
      if (!finished) {
        fail(ErrorKind.INTERNAL, Outcome.GATEWAY_ERROR, "The gateway failed to handle the request (request id " + requestId + ").");
      }
    }

    /** A piece of the request body; the caller keeps and releases {@code chunk}. */
    void bodyChunk(ByteBuf chunk, boolean last) {
      if (bodyRefused || finished || body == null) {
        return;
      }
      int n = chunk.readableBytes();
      if ((long) bodyLength + n > settings.maxBodyBytes()) {
        guarded(this::refuseBody);
        return;
      }
      if (bodyLength + n > body.length) {
        body = Arrays.copyOf(body, (int) Math.min(settings.maxBodyBytes(), Math.max((long) body.length * 2, bodyLength + n)));
      }
      chunk.getBytes(chunk.readerIndex(), body, bodyLength, n);
      bodyLength += n;
      if (last) {
        guarded(this::bodyComplete);
      }
    }

    /** The request could not be read to its end (a broken chunked body, say). */
    void bodyUnreadable(ErrorKind kind, String message) {
      closeAfter = true;
      if (!finished) {
        guarded(() -> refuse(kind, message, null));
      }
    }

    // The rest of an oversized body is never read: answer and close the connection.
    private void refuseBody() {
      bodyRefused = true;
      closeAfter = true;
      refuse(ErrorKind.BODY_TOO_LARGE, "The request body exceeds the limit of " + settings.maxBodyBytes() + " bytes.", null);
    }

    private void bodyComplete() {
      cancelDeadline();
      bodyReadNanos = System.nanoTime();
      RoutingTable table = routing.table();
      BodyScan scan = BodyScan.scan(body, bodyLength, null);
      if (scan.problem != null) {
        refuse(ErrorKind.INVALID_REQUEST, scan.problem, scan.problemParam);
        return;
      }
      requestedModel = scan.model;
      Target target = table.lookup(scan.model);
      if (target == null) {
        refuse(ErrorKind.MODEL_NOT_FOUND, table.whyNotFound(scan.model), "model");
        return;
      }
      if (target instanceof PinnedTarget pinned) {
        decision = pinned.decision();
      } else {
        AliasTarget alias = (AliasTarget) target;
        decision = alias.pick(stickyKey(alias.sticky(), scan));
      }
      streaming = scan.stream;
      meters = metrics.route(decision);
      meters.started();
      forward(splice(scan), null);
    }

    private String stickyKey(StickyKey sticky, BodyScan scan) {
      if (sticky == null) {
        return null;
      }
      if (sticky.source() == StickyKey.Source.HEADER) {
        return request.headers().get(sticky.name());
      }
      return BodyScan.scan(body, bodyLength, sticky.name()).stickyValue;
    }

    private void tag(HttpHeaders headers) {
      headers.set(X_REQUEST_ID, requestId);
      if (decision == null) {
        return;
      }
      headers.set(X_MODEL, decision.model());
      if (decision.alias() != null) {
        headers.set(X_ALIAS, decision.alias());
      }
      headers.set(X_VERSION, decision.version().id());
      headers.set(X_ROUTE, decision.route().header());
    }

    private HttpHeaders ownHeaders() {
      if (responseHeaders == null) {
        responseHeaders = new DefaultHttpHeaders(false);
        tag(responseHeaders);
      }
      return responseHeaders;
    }

    private byte[] splice(BodyScan scan) {
      byte[] served = decision.version().servedModelJson();
      byte[] out = new byte[bodyLength - (scan.modelEnd - scan.modelStart) + served.length];
      System.arraycopy(body, 0, out, 0, scan.modelStart);
      System.arraycopy(served, 0, out, scan.modelStart, served.length);
      System.arraycopy(body, scan.modelEnd, out, scan.modelStart + served.length, bodyLength - scan.modelEnd);
      return out;
    }

    private void forward(byte[] payload, Endpoint failed) {
      Endpoint chosen = decision.version().choose(System.nanoTime(), failed);
      if (chosen == null) {
        if (failed != null) {
          fail(ErrorKind.UPSTREAM_FAILED, Outcome.UPSTREAM_ERROR, "Could not connect to any backend of " + decision.version() + ".");
        } else {
          meters.upstreamError(UpstreamError.NO_HEALTHY_ENDPOINT);
          fail(ErrorKind.NO_HEALTHY_ENDPOINT, Outcome.UNAVAILABLE, "No healthy backend endpoint for " + decision.version() + ".");
        }
        return;
      }
      endpoint = chosen;
      endpoint.started();
      endpointHeld = true;
      attemptStartNanos = System.nanoTime();
      if (upstreamStartNanos == 0) {
        upstreamStartNanos = attemptStartNanos;
      }
      if (deadline == null) {
        lastActivityNanos = attemptStartNanos;
        armDeadline(settings.upstreamTimeout().toNanos(), this::upstreamDeadline);
      }
      upstreams.acquire(channel.eventLoop(), chosen, (connected, cause) -> guarded(() -> connected(connected, cause, payload, chosen)));
    }

    private DefaultFullHttpRequest upstreamRequest(byte[] payload, Endpoint target) {
      // The client's header map, filtered, carries the request on: the client's request needs it no more.
      HttpHeaders headers = request.headers();
      ForwardedHeaders.keepUpstream(headers);
      headers.set(HttpHeaderNames.HOST, target.hostHeader());
      headers.set(HttpHeaderNames.CONTENT_LENGTH, payload.length);
      headers.set(X_REQUEST_ID, requestId);
      String authorization = decision.version().upstreamAuthorization();
      if (authorization != null) {
        headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
      }
      String uri = target.upstreamPath(path);
      return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, query == null ? uri : uri + "?" + query,
          Unpooled.wrappedBuffer(payload), headers, EmptyHttpHeaders.INSTANCE);
    }

    private void connected(UpstreamConnection connected, Throwable cause, byte[] payload, Endpoint target) {
      if (connected == null) {
        // Nothing reached the backend, so another endpoint of the same version may take it.
        releaseEndpoint(null);
        target.gate().unreachable();
        meters.upstreamError(UpstreamError.CONNECT);
        if (!finished) {
          forward(payload, target);
        }
        return;
      }
      if (finished) {
        connected.cancel();
        return;
      }
      upstream = connected;
      connected.send(upstreamRequest(payload, target), this);
    }

    @Override
    public void head(HttpResponse up) {
      guarded(() -> relayHead(up));
    }

    private void relayHead(HttpResponse up) {
      lastActivityNanos = System.nanoTime();
      status = up.status().code();
      HttpHeaders upHeaders = up.headers();
      String contentType = upHeaders.get(HttpHeaderNames.CONTENT_TYPE);
      boolean framed = upHeaders.contains(HttpHeaderNames.CONTENT_LENGTH);
      ForwardedHeaders.keepDownstream(upHeaders);
      tag(upHeaders);
      responseHeaders = upHeaders;
      eventStream = contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
      usage = UsageReader.forContentType(contentType);
      if (eventStream) {
        responseHeaders.set(X_ACCEL_BUFFERING, NO);
        responseHeaders.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
      }
      if (!framed && hasBody(status)) {
        // Without a length the answer is framed in chunks; an HTTP/1.0 client reads it to the close.
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
          responseHeaders.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else {
          closeAfter = true;
        }
        if (eventStream && status < 400) {
          long every = settings.ssePingInterval().toNanos();
          pings = channel.eventLoop().scheduleAtFixedRate(this::ping, every, every, TimeUnit.NANOSECONDS);
        }
      }
      if (status >= 500) {
        meters.upstreamError(UpstreamError.STATUS_5XX);
      }
      upstreamStatus = up.status();
    }

    // The head goes out with the first bytes of the body (or a ping): until then a backend that
    // falls silent can still be answered with a whole 504 rather than a broken answer.
    private void sendHead() {
      if (!headSent) {
        headSent = true;
        channel.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstreamStatus, withConnection()), channel.voidPromise());
      }
    }

    private static boolean hasBody(int status) {
      return status >= 200 && status != 204 && status != 304;
    }

    @Override
    public void content(HttpContent content, boolean last) {
      // Not guarded(): no lambda per chunk on the hot path, but the same answer to a bug.
      try {
        relayContent(content, last);
      } catch (RuntimeException e) {
        failedInside(e);
      }
    }

    private void relayContent(HttpContent content, boolean last) {
      ByteBuf data = content.content();
      if (data.isReadable()) {
        lastActivityNanos = System.nanoTime();
        if (firstByteNanos < 0) {
          firstByteNanos = lastActivityNanos;
          stopPinging();
        }
      }
      if (finished) {
        content.release();
        return;
      }
      if (usage != null && usage.wantsMore() && data.isReadable()) {
        try {
          scanUsage(data);
        } catch (RuntimeException e) {
          content.release();
          throw e;
        }
      }
      sendHead();
      if (!last) {
        // No promise per chunk: a failed write reaches the connection's exceptionCaught, which closes it.
        channel.write(content, channel.voidPromise());
        if (!channel.isWritable()) {
          waitingForClient = true;
          upstream.readAnswer(false);
        }
        return;
      }
      upstreamEndNanos = System.nanoTime();
      completeAnswer(content);
      finish(status, status >= 500 ? Outcome.UPSTREAM_ERROR : Outcome.SUCCESS, null);
    }

    private void scanUsage(ByteBuf data) {
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

    @Override
    public void readComplete() {
      if (headSent && !answered) {
        try {
          channel.flush();
        } catch (RuntimeException e) {
          failedInside(e);
        }
      }
    }

    /** The client can take more: read the backend's answer again. */
    void clientWritable() {
      if (waitingForClient) {
        waitingForClient = false;
        lastActivityNanos = System.nanoTime();
        upstream.readAnswer(true);
      }
    }

    /**
     * A comment line keeps proxies and load balancers from closing a stream whose backend has sent
     * its headers but is still working on the first token; SSE clients ignore it.
     */
    private void ping() {
      if (finished || firstByteNanos >= 0) {
        stopPinging();
        return;
      }
      sendHead();
      channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(PING)), channel.voidPromise());
    }

    private void stopPinging() {
      if (pings != null) {
        pings.cancel(false);
        pings = null;
      }
    }

    /**
     * The exchange's one deadline (first for the body, then for the answer), on the event loop this
     * exchange runs on.
     */
    private void armDeadline(long nanos, Runnable expired) {
      deadline = channel.eventLoop().schedule(() -> guarded(expired), nanos, TimeUnit.NANOSECONDS);
    }

    private void cancelDeadline() {
      if (deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
    }

    /**
     * A whole answer must arrive within {@code upstream_timeout}; a stream must not fall silent for
     * that long. Rather than a timer per chunk, a stream's timer re-arms itself for the time left
     * since the last chunk.
     */
    private void upstreamDeadline() {
      deadline = null;
      if (finished) {
        return;
      }
      long silentNanos = System.nanoTime() - lastActivityNanos;
      long timeoutNanos = settings.upstreamTimeout().toNanos();
      // A slow reader pausing the backend is not the backend falling silent.
      if (streaming && (waitingForClient || silentNanos < timeoutNanos)) {
        armDeadline(waitingForClient ? timeoutNanos : timeoutNanos - silentNanos, this::upstreamDeadline);
        return;
      }
      UpstreamConnection hung = upstream;
      upstream = null;
      if (hung != null) {
        hung.cancel();
      }
      upstreamFailed(new TimeoutException("no complete answer within " + settings.upstreamTimeout().toMillis() + " ms"));
    }

    @Override
    public void failed(Throwable cause) {
      guarded(() -> upstreamFailed(cause));
    }

    private void upstreamFailed(Throwable cause) {
      if (finished) {
        return;
      }
      boolean timeout = cause instanceof TimeoutException;
      meters.upstreamError(timeout ? UpstreamError.TIMEOUT : UpstreamError.BROKEN);
      ErrorKind kind = timeout ? ErrorKind.UPSTREAM_TIMEOUT : ErrorKind.UPSTREAM_FAILED;
      Outcome outcome = timeout ? Outcome.TIMEOUT : Outcome.UPSTREAM_ERROR;
      String message = timeout
          ? "The backend of " + decision.version() + " did not answer within " + settings.upstreamTimeout().toMillis() + " ms."
          : "The backend of " + decision.version() + " failed: " + cause.getMessage();
      fail(kind, outcome, message);
    }

    /**
     * Ends an answer whose head is out without its terminating chunk, so no client takes it for
     * complete: a stream first gets an error event, then the connection is closed with a FIN after
     * what was written (a reset would let the client's kernel discard data it has not read yet).
     */
    private void endUncleanly(ErrorKind kind, String message) {
      answered = true;
      if (eventStream && channel.isActive()) {
        byte[] event = OpenAiError.sseEvent(kind, message).getBytes(StandardCharsets.UTF_8);
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(event))).addListener(ChannelFutureListener.CLOSE);
      } else {
        channel.flush();
        channel.close();
      }
    }

    void clientGone() {
      answered = true;
      if (finished) {
        return;
      }
      // Finish first: cancelling the upstream must find us finished rather than count, log and hold
      // against the backend's breaker a hang-up that was the client's.
      finish(499, Outcome.CANCELLED, "client closed the connection");
      if (upstream != null) {
        upstream.cancel();
      }
    }

    /** A request refused before routing: the client's fault. */
    private void refuse(ErrorKind kind, String message, String param) {
      if (requestedModel != null && Names.modelNameProblem(modelNamePart(requestedModel)) == null) {
        ownHeaders().set(X_MODEL, modelNamePart(requestedModel));
      }
      answerWhole(kind.status(), OpenAiError.json(kind, message, param));
      finish(kind.status(), Outcome.CLIENT_ERROR, message);
    }

    /** A routed request the gateway could not complete. */
    private void fail(ErrorKind kind, Outcome outcome, String message) {
      if (headSent) {
        finish(kind.status(), outcome, message);
        endUncleanly(kind, message);
        return;
      }
      answerWhole(kind.status(), OpenAiError.json(kind, message, null));
      finish(kind.status(), outcome, message);
    }

    private void answerWhole(int code, byte[] json) {
      if (answered) {
        return;
      }
      HttpHeaders headers = ownHeaders();
      // A backend that failed after its head may have left its own framing here.
      headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
      headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      headers.setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
      headSent = true;
      completeAnswer(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code), Unpooled.wrappedBuffer(json),
          withConnection(), EmptyHttpHeaders.INSTANCE));
    }

    private HttpHeaders withConnection() {
      // Said on the answer itself, so that a client does not send its next request into the close.
      closeAfter |= connection.lastBeforeShutdown();
      if (closeAfter) {
        responseHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      } else if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
        responseHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      }
      return responseHeaders;
    }

    // The last write of the answer: once it is on the wire the connection may serve its next request.
    private void completeAnswer(Object last) {
      answered = true;
      boolean keepAlive = !closeAfter;
      channel.writeAndFlush(last).addListener((ChannelFutureListener) written -> connection.answered(keepAlive && written.isSuccess()));
    }

    // The SLO guard judges what the version did: a client that left or was refused says nothing about it.
    private void judge(Outcome outcome, long end) {
      if (outcome == Outcome.CANCELLED || outcome == Outcome.CLIENT_ERROR || outcome == Outcome.GATEWAY_ERROR) {
        return;
      }
      long latency = (eventStream && firstByteNanos >= 0 ? firstByteNanos : end) - startNanos;
      sloGuard.record(decision, latency, outcome.countsAgainstVersion());
    }

    /**
     * Gives the endpoint back and tells its gate how the exchange went: the backend's answers and
     * failures count, a request the client abandoned or the gateway botched does not.
     *
     * @param outcome {@code null} when the caller tells the gate itself
     */
    private void releaseEndpoint(Outcome outcome) {
      if (!endpointHeld) {
        return;
      }
      endpointHeld = false;
      endpoint.finished();
      if (outcome == null) {
        return;
      }
      EndpointGate gate = endpoint.gate();
      // Slow means a slow answer, or for a stream a slow first byte, as the SLO guard judges it.
      long took = (eventStream && firstByteNanos >= 0 ? firstByteNanos : System.nanoTime()) - attemptStartNanos;
      switch (outcome) {
        case SUCCESS -> gate.succeeded(took);
        case UPSTREAM_ERROR, TIMEOUT -> gate.failed(took);
        default -> gate.release();
      }
    }

    private void finish(int code, Outcome outcome, String error) {
      finished = true;
      releaseEndpoint(outcome);
      cancelDeadline();
      stopPinging();
      long end = System.nanoTime();
      long elapsed = end - startNanos;
      Long promptTokens = usage == null ? null : usage.promptTokens();
      Long completionTokens = usage == null ? null : usage.completionTokens();
      if (meters != null) {
        judge(outcome, end);
        meters.stopped();
        meters.tokens(promptTokens, completionTokens);
        if (eventStream && firstByteNanos >= 0) {
          meters.firstToken(firstByteNanos - startNanos);
        }
        // Scan, route, splice and header work before the upstream exchange, and the wrap-up after it.
        if (upstreamEndNanos > 0) {
          metrics.overhead((upstreamStartNanos - bodyReadNanos) + (end - upstreamEndNanos));
        }
      }
      // Request metrics describe inference traffic; model listings and stray paths would skew them.
      if (inference) {
        (meters != null ? meters : metrics.route(null)).record(outcome, elapsed);
      }
      accessLog.record(new AccessRecord(
          System.currentTimeMillis(),
          requestId,
          request.method().name(),
          path,
          decision != null ? decision.model() : requestedModel,
          decision != null ? decision.alias() : null,
          decision != null ? decision.version().id() : null,
          decision != null ? decision.version().spec().artifact() : null,
          decision != null ? decision.route().header() : null,
          endpoint != null ? endpoint.url() : null,
          code,
          elapsed / 1e6,
          firstByteNanos < 0 ? null : (firstByteNanos - startNanos) / 1e6,
          promptTokens,
          completionTokens,
          error));
    }
  }

  // A request in absolute form (http://host/path) names its path after the authority.
  private static String originForm(String uri) {
    if (uri.startsWith("/")) {
      return uri;
    }
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return uri;
    }
    int slash = uri.indexOf('/', scheme + 3);
    return slash < 0 ? "/" : uri.substring(slash);
  }

  private static String modelNamePart(String model) {
    for (int i = 0; i < model.length(); i++) {
      char c = model.charAt(i);
      if (c == ':' || c == '@') {
        return model.substring(0, i);
      }
    }
    return model;
  }
}
