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
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
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
 * snapshot of the routing table, splice in the version's served model name, forward over the pooled
 * client and relay the answer — streams chunk by chunk with back-pressure — tagging every response
 * with the version that served it.
 *
 * <p>All callbacks of one exchange run on the event loop that accepted the request, so an
 * {@link Exchange} needs no synchronisation; it finishes exactly once.
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {
  private static final Logger LOG = Logger.getLogger(ProxyHandler.class.getName());
  static final CharSequence X_MODEL = AsciiString.cached("x-modelgate-model");
  static final CharSequence X_ALIAS = AsciiString.cached("x-modelgate-alias");
  static final CharSequence X_VERSION = AsciiString.cached("x-modelgate-version");
  static final CharSequence X_ROUTE = AsciiString.cached("x-modelgate-route");
  static final CharSequence X_REQUEST_ID = AsciiString.cached("x-request-id");
  private static final CharSequence X_ACCEL_BUFFERING = AsciiString.cached("x-accel-buffering");
  private static final CharSequence NO = AsciiString.cached("no");
  private static final CharSequence NO_CACHE = AsciiString.cached("no-cache");
  private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final CharSequence APPLICATION_JSON = HttpHeaderValues.APPLICATION_JSON;
  private static final List<String> FORWARDED_PATHS = List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");
  private static final int INITIAL_BODY_CAPACITY = 4096;
  // A declared length is a promise, not bytes: never reserve more than this before they arrive.
  private static final int MAX_UP_FRONT_BODY_CAPACITY = 64 * 1024;

  private final Vertx vertx;
  private final HttpClient client;
  private final RoutingState routing;
  private final ProxySettings settings;
  private final AccessLog accessLog;
  private final GatewayMetrics metrics;
  private final SloGuard sloGuard;
  private final ModelsEndpoint models;
  private final byte[][] clientKeys;

  public ProxyHandler(Vertx vertx, HttpClient client, RoutingState routing, ProxySettings settings, AccessLog accessLog, GatewayMetrics metrics,
      SloGuard sloGuard) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.client = requireNonNull(client, "client");
    this.routing = requireNonNull(routing, "routing");
    this.settings = requireNonNull(settings, "settings");
    this.accessLog = requireNonNull(accessLog, "accessLog");
    this.metrics = requireNonNull(metrics, "metrics");
    this.sloGuard = requireNonNull(sloGuard, "sloGuard");
    this.models = new ModelsEndpoint();
    this.clientKeys = settings.clientKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
  }

  @Override
  public void handle(HttpServerRequest request) {
    Exchange exchange = new Exchange(request);
    exchange.guarded(exchange::begin);
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
  private final class Exchange {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final long startNanos = System.nanoTime();
    private final String requestId;
    private byte[] body;
    private int bodyLength;
    private boolean bodyRefused;
    private String requestedModel;
    private RouteDecision decision;
    private GatewayMetrics.RouteMeters meters;
    private Endpoint endpoint;
    private boolean endpointHeld;
    private long attemptStartNanos;
    private HttpClientRequest upstream;
    private HttpClientResponse upstreamResponse;
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
    private long pingTimerId = -1;
    private boolean finished;
    private boolean inference;

    Exchange(HttpServerRequest request) {
      this.request = request;
      this.response = request.response();
      this.requestId = RequestIds.acceptOrGenerate(request.getHeader(X_REQUEST_ID));
    }

    void begin() {
      response.putHeader(X_REQUEST_ID, requestId);
      response.closeHandler(v -> clientGone());
      String path = request.path();
      if (path.equals("/v1/models") || path.startsWith("/v1/models/")) {
        if (request.method() != HttpMethod.GET) {
          refuse(ErrorKind.METHOD_NOT_ALLOWED, "Use GET for " + path + ".", null);
        } else if (!isAuthorized(request.getHeader(HttpHeaders.AUTHORIZATION))) {
          refuse(ErrorKind.INVALID_API_KEY, "Incorrect API key provided.", null);
        } else {
          models.answer(routing.table(), path, response);
          finish(response.getStatusCode(), Outcome.SUCCESS, null);
        }
        return;
      }
      inference = FORWARDED_PATHS.contains(path);
      if (!inference) {
        refuse(ErrorKind.UNKNOWN_URL, "Invalid URL (" + request.method() + " " + path + ").", null);
        return;
      }
      if (request.method() != HttpMethod.POST) {
        refuse(ErrorKind.METHOD_NOT_ALLOWED, "Use POST for " + path + ".", null);
        return;
      }
      if (!isAuthorized(request.getHeader(HttpHeaders.AUTHORIZATION))) {
        refuse(ErrorKind.INVALID_API_KEY, "Incorrect API key provided.", null);
        return;
      }
      long declared = contentLength();
      if (declared > settings.maxBodyBytes()) {
        refuseBody();
        return;
      }
      // Without the interim answer, clients such as curl hold the body back for a second or more.
      if (request.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
        response.writeContinue();
      }
      // A declared length sizes the buffer exactly (a typical chat body is far below 4 KiB).
      body = new byte[(int) (declared >= 0 ? Math.min(declared, MAX_UP_FRONT_BODY_CAPACITY) : INITIAL_BODY_CAPACITY)];
      request.handler(this::bodyChunk);
      request.exceptionHandler(e -> clientGone());
      request.endHandler(v -> guarded(this::bodyComplete));
      // A client trickling its body (or promising more than it sends) must not hold the connection.
      armDeadline(settings.requestReadTimeout().toNanos(), this::bodyDeadline);
    }

    private void bodyDeadline() {
      deadline = null;
      if (!finished) {
        response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        refuse(ErrorKind.REQUEST_TIMEOUT, "The request body did not arrive within " + settings.requestReadTimeout().toMillis() + " ms.", null);
      }
    }

    /** A bug must cost one request a 500, never leave it hanging until a timeout. */
    void guarded(Runnable step) {
      try {
        step.run();
      } catch (RuntimeException e) {
        LOG.log(Level.SEVERE, "request " + requestId + " failed inside the gateway", e);
        if (!finished) {
          fail(ErrorKind.INTERNAL, Outcome.GATEWAY_ERROR, "The gateway failed to handle the request (request id " + requestId + ").");
        }
      }
    }

    private long contentLength() {
      String header = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (header == null) {
        return -1;
      }
      try {
        return Long.parseLong(header.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    private void bodyChunk(Buffer chunk) {
      if (bodyRefused || finished) {
        return;
      }
      int n = chunk.length();
      if ((long) bodyLength + n > settings.maxBodyBytes()) {
        refuseBody();
        return;
      }
      if (bodyLength + n > body.length) {
        body = Arrays.copyOf(body, (int) Math.min(settings.maxBodyBytes(), Math.max((long) body.length * 2, bodyLength + n)));
      }
      chunk.getBytes(0, n, body, bodyLength);
      bodyLength += n;
    }

    // The rest of an oversized body is never read: answer and close the connection.
    private void refuseBody() {
      bodyRefused = true;
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      refuse(ErrorKind.BODY_TOO_LARGE, "The request body exceeds the limit of " + settings.maxBodyBytes() + " bytes.", null);
    }

    private void bodyComplete() {
      if (finished) {
        return;
      }
      deadline.cancel(false);
      deadline = null;
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
      tag();
      meters = metrics.route(decision);
      meters.started();
      forward(splice(scan), null);
    }

    private String stickyKey(StickyKey sticky, BodyScan scan) {
      if (sticky == null) {
        return null;
      }
      if (sticky.source() == StickyKey.Source.HEADER) {
        return request.getHeader(sticky.name());
      }
      return BodyScan.scan(body, bodyLength, sticky.name()).stickyValue;
    }

    private void tag() {
      response.putHeader(X_MODEL, decision.model());
      if (decision.alias() != null) {
        response.putHeader(X_ALIAS, decision.alias());
      }
      response.putHeader(X_VERSION, decision.version().id());
      response.putHeader(X_ROUTE, decision.route().header());
    }

    private Buffer splice(BodyScan scan) {
      byte[] served = decision.version().servedModelJson();
      Buffer out = Buffer.buffer(bodyLength - (scan.modelEnd - scan.modelStart) + served.length);
      out.appendBytes(body, 0, scan.modelStart);
      out.appendBytes(served);
      out.appendBytes(body, scan.modelEnd, bodyLength - scan.modelEnd);
      return out;
    }

    private void forward(Buffer payload, Endpoint failed) {
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
        upstreamStartNanos = System.nanoTime();
      }
      if (deadline == null) {
        lastActivityNanos = System.nanoTime();
        armDeadline(settings.upstreamTimeout().toNanos(), this::upstreamDeadline);
      }
      RequestOptions options = new RequestOptions()
          .setMethod(HttpMethod.POST)
          .setHost(chosen.host())
          .setPort(chosen.port())
          .setSsl(chosen.ssl())
          // No per-request connect timeout: the client's (connect_timeout) bounds the TCP connect, and
          // Vert.x 5.0's pool timer for it can race a recycled connection and complete a promise twice.
          .setURI(upstreamUri(chosen));
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      ForwardedHeaders.copyUpstream(request.headers(), headers);
      headers.set(HttpHeaders.CONTENT_LENGTH, String.valueOf(payload.length()));
      headers.set(X_REQUEST_ID, requestId);
      String authorization = decision.version().upstreamAuthorization();
      if (authorization != null) {
        headers.set(HttpHeaders.AUTHORIZATION, authorization);
      }
      options.setHeaders(headers);
      client.request(options).onComplete(ar -> guarded(() -> connected(ar, payload, chosen)));
    }

    private String upstreamUri(Endpoint target) {
      String query = request.query();
      String path = target.upstreamPath(request.path());
      return query == null ? path : path + "?" + query;
    }

    private void connected(AsyncResult<HttpClientRequest> ar, Buffer payload, Endpoint target) {
      if (ar.failed()) {
        // Nothing reached the backend, so another endpoint of the same version may take it.
        releaseEndpoint(null);
        target.gate().unreachable();
        meters.upstreamError(UpstreamError.CONNECT);
        if (!finished) {
          forward(payload, target);
        }
        return;
      }
      HttpClientRequest req = ar.result();
      if (finished) {
        req.reset();
        return;
      }
      upstream = req;
      req.send(payload).onComplete(sent -> guarded(() -> responded(sent)));
    }

    private void responded(AsyncResult<HttpClientResponse> ar) {
      if (finished) {
        if (ar.succeeded()) {
          upstream.reset();
        }
        return;
      }
      if (ar.failed()) {
        upstreamFailed(ar.cause());
        return;
      }
      HttpClientResponse up = ar.result();
      upstreamResponse = up;
      lastActivityNanos = System.nanoTime();
      int status = up.statusCode();
      response.setStatusCode(status);
      ForwardedHeaders.copyDownstream(up.headers(), response.headers());
      String contentType = up.getHeader(HttpHeaders.CONTENT_TYPE);
      eventStream = contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
      usage = UsageReader.forContentType(contentType);
      if (eventStream) {
        response.putHeader(X_ACCEL_BUFFERING, NO);
        response.putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
      }
      if (up.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
        response.setChunked(true);
        if (eventStream && status < 400) {
          pingTimerId = vertx.setPeriodic(settings.ssePingInterval().toMillis(), id -> ping());
        }
      }
      if (status >= 500) {
        meters.upstreamError(UpstreamError.STATUS_5XX);
      }
      up.handler(this::relay);
      up.exceptionHandler(this::upstreamFailed);
      up.endHandler(v -> {
        if (!finished) {
          upstreamEndNanos = System.nanoTime();
          response.end();
          finish(status, status >= 500 ? Outcome.UPSTREAM_ERROR : Outcome.SUCCESS, null);
        }
      });
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
      response.write(Buffer.buffer(PING));
    }

    private void stopPinging() {
      if (pingTimerId >= 0) {
        vertx.cancelTimer(pingTimerId);
        pingTimerId = -1;
      }
    }

    private void relay(Buffer chunk) {
      lastActivityNanos = System.nanoTime();
      if (firstByteNanos < 0) {
        firstByteNanos = lastActivityNanos;
        stopPinging();
      }
      if (finished) {
        return;
      }
      if (usage != null) {
        usage.feed(chunk.getBytes());
      }
      response.write(chunk);
      if (response.writeQueueFull()) {
        upstreamResponse.pause();
        waitingForClient = true;
        response.drainHandler(v -> {
          waitingForClient = false;
          lastActivityNanos = System.nanoTime();
          upstreamResponse.resume();
        });
      }
    }

    /**
     * The exchange's one deadline (first for the body, then for the answer), straight on the event
     * loop this exchange runs on: a Vert.x timer would also register in Vert.x-wide maps and the
     * deployment's close hooks (a lock) for each request.
     */
    private void armDeadline(long nanos, Runnable expired) {
      ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
      deadline = context.nettyEventLoop().schedule(() -> context.dispatch(() -> guarded(expired)), nanos, TimeUnit.NANOSECONDS);
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
      // Answer first: resetting the upstream fires its exception handler, which must find us finished.
      upstreamFailed(new TimeoutException("no complete answer within " + settings.upstreamTimeout().toMillis() + " ms"));
      if (upstream != null) {
        upstream.reset();
      }
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
      if (!response.headWritten()) {
        fail(kind, outcome, message);
        return;
      }
      finish(kind.status(), outcome, message);
      // The status line is gone; a stream ends with an error event, and never with a clean end.
      if (eventStream) {
        response.write(OpenAiError.sseEvent(kind, message)).onComplete(written -> endUncleanly());
      } else {
        endUncleanly();
      }
    }

    /**
     * Ends the answer without its terminating chunk, so no client takes it for complete. HTTP/1.1
     * closes the connection with a FIN after what was written: a reset (RST) would let the client's
     * kernel discard relayed data and the error event it has not read yet. HTTP/2 resets the stream.
     */
    private void endUncleanly() {
      if (request.version() == HttpVersion.HTTP_2) {
        response.reset();
      } else {
        request.connection().close();
      }
    }

    private void clientGone() {
      if (finished) {
        return;
      }
      // Finish first: resetting the upstream fires its exception handler, which must find us finished
      // rather than count, log and hold against the backend's breaker a hang-up that was the client's.
      finish(499, Outcome.CANCELLED, "client closed the connection");
      if (upstream != null) {
        upstream.reset();
      }
    }

    /** A request refused before routing: the client's fault. */
    private void refuse(ErrorKind kind, String message, String param) {
      if (requestedModel != null && Names.modelNameProblem(modelNamePart(requestedModel)) == null) {
        response.putHeader(X_MODEL, modelNamePart(requestedModel));
      }
      writeError(kind, message, param);
      finish(kind.status(), Outcome.CLIENT_ERROR, message);
    }

    /** A routed request the gateway could not complete. */
    private void fail(ErrorKind kind, Outcome outcome, String message) {
      writeError(kind, message, null);
      finish(kind.status(), outcome, message);
    }

    private void writeError(ErrorKind kind, String message, String param) {
      if (response.ended() || response.closed()) {
        return;
      }
      byte[] json = OpenAiError.json(kind, message, param);
      // A backend that failed after its head may have left its content-length here, which would
      // make the client wait for bytes that never come.
      response.headers().remove(HttpHeaders.CONTENT_LENGTH);
      response.setStatusCode(kind.status())
          .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
          .end(Buffer.buffer(json));
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

    private void finish(int status, Outcome outcome, String error) {
      finished = true;
      releaseEndpoint(outcome);
      if (deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
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
          request.path(),
          decision != null ? decision.model() : requestedModel,
          decision != null ? decision.alias() : null,
          decision != null ? decision.version().id() : null,
          decision != null ? decision.version().spec().artifact() : null,
          decision != null ? decision.route().header() : null,
          endpoint != null ? endpoint.url() : null,
          status,
          elapsed / 1e6,
          firstByteNanos < 0 ? null : (firstByteNanos - startNanos) / 1e6,
          promptTokens,
          completionTokens,
          error));
    }
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
