package dev.modelgate.gateway.proxy;

import dev.modelgate.core.Endpoint;
import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.gateway.log.AccessLog;
import dev.modelgate.gateway.log.AccessRecord;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.metrics.Outcome;
import dev.modelgate.gateway.metrics.UpstreamError;
import dev.modelgate.gateway.rollout.SloGuard;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Books what the data plane did: the only place it reaches metrics, the SLO guard, the endpoints'
 * breakers and the access log. Every answered request, exchange or connection-level refusal, ends
 * here exactly once; so does every shadow copy, sent or dropped.
 */
final class Recorder {
  private final AccessLog accessLog;
  private final GatewayMetrics metrics;
  private final SloGuard sloGuard;

  Recorder(AccessLog accessLog, GatewayMetrics metrics, SloGuard sloGuard) {
    this.accessLog = accessLog;
    this.metrics = metrics;
    this.sloGuard = sloGuard;
  }

  /** A request was routed: its route's meters, already counting it in flight. */
  GatewayMetrics.RouteMeters routed(RouteDecision decision) {
    GatewayMetrics.RouteMeters meters = metrics.route(decision);
    meters.started();
    return meters;
  }

  /** A routed request's exchange with a backend went wrong in one of the ways the metrics count. */
  void upstreamError(Exchange exchange, UpstreamError kind) {
    exchange.meters.upstreamError(kind);
  }

  /** A shadow copy's exchange with a backend went wrong in one of the ways the metrics count. */
  void upstreamError(ShadowExchange shadow, UpstreamError kind) {
    shadow.meters.upstreamError(kind);
  }

  /** A shadow copy was not sent: too many were in flight. */
  void shadowDropped(RouteDecision shadow) {
    metrics.shadowRequest(shadow, null);
  }

  /**
   * A shadow copy ended: it counts like a request of its version (breaker, SLO window, route
   * {@code shadow} in the metrics and access log) and in {@code modelgate_shadow_requests_total}.
   */
  void shadowFinished(ShadowExchange shadow, Outcome outcome) {
    boolean timedToFirstByte = shadow.eventStream && shadow.firstByteNanos >= 0;
    long end = System.nanoTime();
    if (shadow.holdsEndpoint) {
      verdict(shadow.endpoint, shadow.attemptStartNanos, outcome, timedToFirstByte ? shadow.firstByteNanos : end);
    }
    long elapsed = end - shadow.startNanos;
    Long promptTokens = shadow.usage == null ? null : shadow.usage.promptTokens();
    Long completionTokens = shadow.usage == null ? null : shadow.usage.completionTokens();
    RouteDecision decision = shadow.decision;
    GatewayMetrics.RouteMeters meters = shadow.meters;
    if (meters != null) {
      judge(decision, outcome, (timedToFirstByte ? shadow.firstByteNanos : end) - shadow.startNanos);
      meters.stopped();
      meters.tokens(promptTokens, completionTokens);
      if (timedToFirstByte) {
        meters.firstToken(shadow.firstByteNanos - shadow.startNanos);
      }
      meters.record(outcome, elapsed);
    }
    metrics.shadowRequest(decision, outcome);
    accessLog.record(new AccessRecord(
        System.currentTimeMillis(),
        shadow.requestId,
        "POST",
        shadow.path,
        decision.model(),
        decision.alias(),
        decision.version().id(),
        decision.version().spec().artifact(),
        decision.route().header(),
        shadow.endpoint != null ? shadow.endpoint.url() : null,
        shadow.status,
        elapsed / 1e6,
        shadow.firstByteNanos < 0 ? null : (shadow.firstByteNanos - shadow.startNanos) / 1e6,
        promptTokens,
        completionTokens,
        shadow.error,
        null,
        null));
  }

  /**
   * The exchange ended ({@code from} is the phase it ended in) with {@code status} sent, or 499 for
   * a client that left.
   */
  void finished(Exchange exchange, Phase from, int status, Outcome outcome, String error) {
    Relay relay = exchange.relay;
    boolean eventStream = relay != null && relay.eventStream;
    long firstByteNanos = relay == null ? -1 : relay.firstByteNanos;
    long end = System.nanoTime();
    if (from.holdsEndpoint()) {
      verdict(exchange.attempt.endpoint, exchange.attempt.attemptStartNanos, outcome, eventStream && firstByteNanos >= 0 ? firstByteNanos : end);
    }
    long elapsed = end - exchange.startNanos;
    Long promptTokens = relay == null || relay.usage == null ? null : relay.usage.promptTokens();
    Long completionTokens = relay == null || relay.usage == null ? null : relay.usage.completionTokens();
    GatewayMetrics.RouteMeters meters = exchange.meters;
    // An answer from the cache was not the version's doing now; its backend call was judged once.
    boolean fromCache = exchange.cache != null && exchange.cache.fromCache;
    if (meters != null) {
      if (!fromCache) {
        judge(exchange.decision, outcome, (eventStream && firstByteNanos >= 0 ? firstByteNanos : end) - exchange.startNanos);
      }
      meters.stopped();
      meters.tokens(promptTokens, completionTokens);
      if (eventStream && firstByteNanos >= 0) {
        meters.firstToken(firstByteNanos - exchange.startNanos);
      }
      // Scan, route, splice and header work before the upstream exchange, and the wrap-up after it.
      if (relay != null && relay.endNanos > 0) {
        metrics.overhead((exchange.attempt.firstStartNanos - exchange.intake.wholeNanos) + (end - relay.endNanos));
      }
    }
    if (exchange.inference) {
      (meters != null ? meters : metrics.route(null)).record(outcome, elapsed);
    }
    RouteDecision decision = exchange.decision;
    Endpoint endpoint = exchange.attempt == null ? null : exchange.attempt.endpoint;
    accessLog.record(new AccessRecord(
        System.currentTimeMillis(),
        exchange.requestId,
        exchange.request.method().name(),
        exchange.path,
        decision != null ? decision.model() : exchange.requestedModel,
        decision != null ? decision.alias() : null,
        decision != null ? decision.version().id() : null,
        decision != null ? decision.version().spec().artifact() : null,
        decision != null ? decision.route().header() : null,
        endpoint != null ? endpoint.url() : null,
        status,
        elapsed / 1e6,
        firstByteNanos < 0 ? null : (firstByteNanos - exchange.startNanos) / 1e6,
        promptTokens,
        completionTokens,
        error,
        decision != null ? decision.segment() : null,
        exchange.cache == null ? null : exchange.cache.logValue()));
  }

  /**
   * A request the connection refused before it became an exchange: a head the decoder could not
   * read ({@code request} is then {@code null}), or one past the limits. Counted with the requests
   * that name no known model, unless its path shows it was no inference request at all.
   */
  void refused(String requestId, HttpRequest request, int status, long startNanos, String error) {
    long elapsed = System.nanoTime() - startNanos;
    String path = request == null ? null : Exchange.pathOf(request.uri());
    if (path == null || Exchange.isInference(path)) {
      metrics.route(null).record(Outcome.CLIENT_ERROR, elapsed);
    }
    accessLog.record(new AccessRecord(System.currentTimeMillis(), requestId, request == null ? null : request.method().name(), path,
        null, null, null, null, null, null, status, elapsed / 1e6, null, null, null, error, null, null));
  }

  /**
   * Gives the endpoint back and tells its gate how the exchange went: the backend's answers and
   * failures count, a request the client abandoned or the gateway botched does not. Slow means a
   * slow answer, or for a stream a slow first byte: {@code judgedNanos} is the end or that first
   * byte, as the SLO guard judges it.
   */
  private static void verdict(Endpoint endpoint, long attemptStartNanos, Outcome outcome, long judgedNanos) {
    endpoint.finished();
    EndpointGate gate = endpoint.gate();
    long took = judgedNanos - attemptStartNanos;
    switch (outcome) {
      case SUCCESS -> gate.succeeded(took);
      case UPSTREAM_ERROR, TIMEOUT -> gate.failed(took);
      default -> gate.release();
    }
  }

  // The SLO guard judges what the version did: a client that left or was refused says nothing about it.
  private void judge(RouteDecision decision, Outcome outcome, long latencyNanos) {
    if (outcome == Outcome.CANCELLED || outcome == Outcome.CLIENT_ERROR || outcome == Outcome.GATEWAY_ERROR) {
      return;
    }
    sloGuard.record(decision, latencyNanos, outcome.countsAgainstVersion());
  }
}
