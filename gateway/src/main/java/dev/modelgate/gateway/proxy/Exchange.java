package dev.modelgate.gateway.proxy;

import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.Names;
import dev.modelgate.core.PinnedTarget;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.Target;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.gateway.cache.CacheRoute;
import dev.modelgate.gateway.cache.StoredAnswer;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.metrics.Outcome;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.OpenAiError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client request and, once routed, its exchange with a backend. The exchange owns the
 * {@link Phase} and the answers the gateway writes itself; each other job has its own part:
 * <ul>
 *   <li>{@link Intake} takes the body in: limits, 100-continue, the body deadline;
 *   <li>{@link UpstreamAttempt} chooses an endpoint, connects (another endpoint of the same version
 *       after a failed connection) and bounds the backend's answer in time;
 *   <li>{@link Relay} carries the backend's answer back: head, chunks, SSE pings, usage, back-pressure;
 *   <li>{@link Recorder} books the end, once: breaker verdict, SLO window, metrics, access log.
 * </ul>
 * Every end goes through {@link #end()}, the one way into {@code DONE}, and then the recorder.
 *
 * <p>All callbacks of one exchange run on the event loop of its client connection, so nothing here
 * is synchronised. Each callback catches what a bug throws and answers it with a 500
 * ({@link #failedInside}); a transition the phase table does not list is such a bug.
 */
final class Exchange implements ChannelFutureListener {
  private static final Logger LOG = Logger.getLogger(Exchange.class.getName());
  static final AsciiString X_MODEL = AsciiString.cached("x-modelgate-model");
  static final AsciiString X_ALIAS = AsciiString.cached("x-modelgate-alias");
  static final AsciiString X_VERSION = AsciiString.cached("x-modelgate-version");
  static final AsciiString X_ROUTE = AsciiString.cached("x-modelgate-route");
  static final AsciiString X_SEGMENT = AsciiString.cached("x-modelgate-segment");
  static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  private static final List<String> FORWARDED_PATHS = List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");

  final ProxyHandler proxy;
  final Channel channel;
  final HttpRequest request;
  final String path;
  final String query;
  final String requestId;
  final long startNanos = System.nanoTime();
  // Request metrics describe inference traffic; model listings and stray paths would skew them.
  final boolean inference;
  final ClientConnection connection;
  private final boolean keepAlive;
  private Phase phase = Phase.ARRIVED;
  // The one deadline running: the body's while in BODY, the backend's after; 0 when none. The
  // connection's timer enforces it, so a request costs no timer of its own.
  private long deadlineNanos;
  // The answer's head: the backend's own headers, filtered, or new ones for the gateway's answers.
  HttpHeaders responseHeaders;
  // The parts, each there once its step has begun.
  Intake intake;
  UpstreamAttempt attempt;
  Relay relay;
  String requestedModel;
  RouteDecision decision;
  // The whole body and where its model value lies, once routed.
  private byte[] body;
  private int bodyLength;
  private int modelStart;
  private int modelEnd;
  GatewayMetrics.RouteMeters meters;
  /** Only on a route whose alias has a cache. */
  CacheStep cache;
  /** Only when the alias mirrors this request: the shadow version. */
  private RouteDecision shadow;

  Exchange(ProxyHandler proxy, ClientConnection connection, HttpRequest request, boolean keepAlive) {
    this.proxy = proxy;
    this.connection = connection;
    this.channel = connection.channel();
    this.request = request;
    this.keepAlive = keepAlive;
    String target = originForm(request.uri());
    this.path = pathOf(target);
    this.query = path.length() == target.length() ? null : target.substring(path.length() + 1);
    this.inference = isInference(path);
    this.requestId = RequestIds.acceptOrGenerate(request.headers().get(X_REQUEST_ID));
  }

  Phase phase() {
    return phase;
  }

  /** Moves to {@code next} when the phase table allows it; returns the phase left. */
  Phase moveTo(Phase next) {
    Phase from = phase;
    phase = from.check(next);
    return from;
  }

  void begin() {
    try {
      admit();
    } catch (RuntimeException e) {
      failedInside(e);
    }
  }

  private void admit() {
    HttpMethod method = request.method();
    if (path.equals("/v1/models") || path.startsWith("/v1/models/")) {
      if (!method.equals(HttpMethod.GET)) {
        refuse(ErrorKind.METHOD_NOT_ALLOWED, "Use GET for " + path + ".", null);
      } else if (!proxy.isAuthorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
        refuse(ErrorKind.INVALID_API_KEY, "Incorrect API key provided.", null);
      } else {
        ModelsEndpoint.Answer answer = proxy.models().answer(proxy.routing().table(), path);
        answerWhole(answer.status(), answer.json(), Outcome.SUCCESS, null);
      }
      return;
    }
    if (!inference) {
      refuse(ErrorKind.UNKNOWN_URL, "Invalid URL (" + method + " " + path + ").", null);
      return;
    }
    if (!method.equals(HttpMethod.POST)) {
      refuse(ErrorKind.METHOD_NOT_ALLOWED, "Use POST for " + path + ".", null);
      return;
    }
    if (!proxy.isAuthorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
      refuse(ErrorKind.INVALID_API_KEY, "Incorrect API key provided.", null);
      return;
    }
    if (connection.intake.open(this)) {
      intake = connection.intake;
    }
  }

  /** A piece of the request body; the caller keeps and releases {@code chunk}. */
  void bodyChunk(ByteBuf chunk, boolean last) {
    if (phase == Phase.BODY) {
      intake.chunk(chunk, last);
    }
  }

  /** A read from the client ended with this request's body incomplete. */
  void bodyPending() {
    if (phase == Phase.BODY) {
      intake.pending();
    }
  }

  /** The request could not be read to its end (a broken chunked body, say). */
  void bodyUnreadable(ErrorKind kind, String message) {
    if (phase != Phase.DONE) {
      try {
        refuse(kind, message, null);
      } catch (RuntimeException e) {
        failedInside(e);
      }
    }
  }

  /** The body is whole: route it on one snapshot of the routing table and send it on its way. */
  void route(byte[] body, int length) {
    moveTo(Phase.ROUTING);
    RoutingTable table = proxy.routing().table();
    BodyScan scan = connection.scan.rescan(body, length, null, table.segmentBodyFields());
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
    AliasTarget alias = null;
    if (target instanceof PinnedTarget pinned) {
      decision = pinned.decision();
    } else {
      alias = (AliasTarget) target;
      String stickyKey = stickyKey(alias.sticky(), scan, body, length);
      decision = alias.segments().isEmpty() ? alias.pick(stickyKey) : alias.pick(new SegmentRequest(request.headers(), scan), stickyKey);
    }
    meters = proxy.recorder().routed(decision);
    this.body = body;
    this.bodyLength = length;
    this.modelStart = scan.modelStart;
    this.modelEnd = scan.modelEnd;
    shadow = alias == null || !alias.mirrors() ? null : alias.mirror();
    CacheRoute cacheRoute = proxy.cache().route(decision);
    if (cacheRoute != null) {
      cache = new CacheStep(this, cacheRoute, scan, splicedArray(decision));
      if (cache.answersFirst()) {
        return;
      }
    }
    forward(scan.stream);
  }

  /** Sends the routed request to its version's backends. */
  void forward(boolean stream) {
    attempt = connection.attempt();
    attempt.start(this, stream);
    // A copy goes with a request a backend serves; an answer from the cache has nothing to mirror.
    if (shadow != null) {
      proxy.shadows().mirror(this, shadow, splicedArray(shadow), stream);
    }
  }

  private String stickyKey(StickyKey sticky, BodyScan scan, byte[] body, int length) {
    if (sticky == null) {
      return null;
    }
    if (sticky.source() == StickyKey.Source.HEADER) {
      return request.headers().get(sticky.name());
    }
    return BodyScan.scan(body, length, sticky.name()).stickyValue;
  }

  /**
   * The routed body with the version's served model name in place of {@code model}, spliced
   * straight into a pooled buffer when the request is sent (the write releases it): no array of
   * its own per request.
   */
  ByteBuf spliced() {
    return splice(decision, channel.alloc().buffer(splicedLength(decision)));
  }

  /** The body {@code to} is sent, as an array: the cache's key, a shadow copy. */
  private byte[] splicedArray(RouteDecision to) {
    byte[] out = new byte[splicedLength(to)];
    splice(to, Unpooled.wrappedBuffer(out).clear());
    return out;
  }

  private int splicedLength(RouteDecision to) {
    return bodyLength - (modelEnd - modelStart) + to.version().servedModelJson().length;
  }

  private ByteBuf splice(RouteDecision to, ByteBuf out) {
    return out.writeBytes(body, 0, modelStart).writeBytes(to.version().servedModelJson()).writeBytes(body, modelEnd, bodyLength - modelEnd);
  }

  /** Adds the request id and, once routed, the route's headers. */
  void tag(HttpHeaders headers) {
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
    if (cache != null) {
      cache.tag(headers);
    }
    if (decision.segment() != null) {
      headers.set(X_SEGMENT, decision.segment());
    }
  }

  private HttpHeaders ownHeaders() {
    if (responseHeaders == null) {
      responseHeaders = new DefaultHttpHeaders(false);
      tag(responseHeaders);
    }
    return responseHeaders;
  }

  /** A request refused before routing: the client's fault. */
  void refuse(ErrorKind kind, String message, String param) {
    if (requestedModel != null && Names.modelNameProblem(modelNamePart(requestedModel)) == null) {
      ownHeaders().set(X_MODEL, modelNamePart(requestedModel));
    }
    answerWhole(kind.status(), OpenAiError.json(kind, message, param), Outcome.CLIENT_ERROR, message);
  }

  /** A routed request the gateway could not complete. */
  void fail(ErrorKind kind, Outcome outcome, String message) {
    if (phase.headWritten()) {
      if (cache != null) {
        cache.failed(kind.status(), OpenAiError.json(kind, message, null));
      }
      Phase from = end();
      relay.endUncleanly(kind, message);
      proxy.recorder().finished(this, from, kind.status(), outcome, message);
      return;
    }
    answerWhole(kind.status(), OpenAiError.json(kind, message, null), outcome, message);
  }

  /** A bug must cost one request a 500, never leave it hanging until a timeout. */
  void failedInside(RuntimeException e) {
    LOG.log(Level.SEVERE, "request " + requestId + " failed inside the gateway", e);
    if (phase != Phase.DONE) {
      fail(ErrorKind.INTERNAL, Outcome.GATEWAY_ERROR, "The gateway failed to handle the request (request id " + requestId + ").");
    }
  }

  void clientGone() {
    if (phase == Phase.DONE) {
      return;
    }
    // Ended (and the upstream cancelled) before the record: the backend's hang-up that follows is
    // then neither counted nor held against its breaker.
    Phase from = end();
    if (cache != null) {
      cache.abandoned();
    }
    proxy.recorder().finished(this, from, 499, Outcome.CANCELLED, "client closed the connection");
  }

  /** The client can take more: resume a relay paused for it. */
  void clientWritable() {
    if (phase == Phase.PAUSED) {
      relay.resume();
    }
  }

  /** The backend's answer arrived whole and {@code last} ends it. */
  void relayed(Object last, int status) {
    Phase from = end();
    if (cache != null) {
      cache.relayed(status, responseHeaders);
    }
    writeLast(last, from, status, status >= 500 ? Outcome.UPSTREAM_ERROR : Outcome.SUCCESS, null);
  }

  /** Sets the deadline of the current step ({@link #deadlinePassed} is called once it passes). */
  void deadline(long atNanos) {
    deadlineNanos = atNanos;
    connection.deadline(atNanos);
  }

  boolean hasDeadline() {
    return deadlineNanos != 0;
  }

  void clearDeadline() {
    deadlineNanos = 0;
  }

  /** When the deadline falls; 0 when none is set. */
  long deadlineNanos() {
    return deadlineNanos;
  }

  /** The deadline passed: the body's or the backend's, by the phase. */
  void deadlinePassed() {
    deadlineNanos = 0;
    try {
      if (phase == Phase.BODY) {
        intake.timedOut();
      } else if (attempt != null && phase != Phase.DONE) {
        attempt.deadlinePassed();
      }
    } catch (RuntimeException e) {
      failedInside(e);
    }
  }

  /** The one way into {@code DONE}: stops every timer and abandons a backend exchange still open. */
  private Phase end() {
    Phase from = moveTo(Phase.DONE);
    deadlineNanos = 0;
    // The connection's parts keep a reference to their last exchange while it idles; not to its body.
    body = null;
    if (intake != null) {
      intake.finish();
      connection.scan.release();
    }
    if (attempt != null) {
      attempt.stop();
      connection.doneWith(attempt);
    }
    if (relay != null) {
      relay.stopPinging();
    }
    return from;
  }

  private void answerWhole(int code, byte[] json, Outcome outcome, String error) {
    HttpHeaders headers = ownHeaders();
    if (cache != null) {
      cache.failed(code, json);
    }
    // A backend that failed after its head may have left its own framing here.
    headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    answer(code, json, outcome, error);
  }

  /** Answers with a stored answer (a cache hit, or the error an identical request's load ended with), never reaching a backend. */
  void answerStored(StoredAnswer stored, Outcome outcome, String error) {
    stored.addHeadersTo(ownHeaders());
    answer(stored.status(), stored.body(), outcome, error);
  }

  // The whole answer, its head in responseHeaders.
  private void answer(int code, byte[] body, Outcome outcome, String error) {
    Phase from = end();
    responseHeaders.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    writeLast(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code), Unpooled.wrappedBuffer(body),
        withConnection(from, code), EmptyHttpHeaders.INSTANCE), from, code, outcome, error);
  }

  /**
   * Writes the answer's last part, records the exchange, and only then listens for the write: one
   * that completes at once calls {@link #operationComplete} at once, which may begin the
   * connection's next request with the parts the recorder is still to read.
   */
  private void writeLast(Object last, Phase from, int status, Outcome outcome, String error) {
    ChannelFuture written = channel.writeAndFlush(last);
    try {
      proxy.recorder().finished(this, from, status, outcome, error);
    } finally {
      written.addListener(this);
    }
  }

  /**
   * The answer's head says whether the connection carries another request, so that a client does
   * not send its next one into the close; {@code from} is the phase the answer is given in.
   */
  HttpHeaders withConnection(Phase from, int status) {
    boolean close = !keepAlive
        // The rest of the body will not be read.
        || from == Phase.BODY
        // The client held its body back until asked, and may now send it or not.
        || (from == Phase.ARRIVED && HttpUtil.is100ContinueExpected(request))
        || readToTheClose(status)
        || connection.lastBeforeShutdown();
    if (close) {
      responseHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
      responseHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return responseHeaders;
  }

  // Without a length or chunks (which HTTP/1.0 lacks), the answer ends where the connection does.
  private boolean readToTheClose(int status) {
    return !request.protocolVersion().equals(HttpVersion.HTTP_1_1) && Relay.hasBody(status)
        && !responseHeaders.contains(HttpHeaderNames.CONTENT_LENGTH);
  }

  /** The answer's last write went out (or failed): the connection does as the head said, and may begin its next request. */
  @Override
  public void operationComplete(ChannelFuture written) {
    boolean reuse = !responseHeaders.contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
    connection.answered(reuse && written.isSuccess());
  }

  /** Whether {@code path} is one the gateway forwards to a model (and counts in request metrics). */
  static boolean isInference(String path) {
    return FORWARDED_PATHS.contains(path);
  }

  /** The path a request targets, without its query. */
  static String pathOf(String uri) {
    String target = originForm(uri);
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
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
