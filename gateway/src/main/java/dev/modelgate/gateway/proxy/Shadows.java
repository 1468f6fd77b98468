package dev.modelgate.gateway.proxy;

import dev.modelgate.core.RouteDecision;
import dev.modelgate.gateway.upstream.UpstreamPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends copies of requests to shadow versions (docs/configuration.md#shadow): an alias's standing
 * {@code shadow}, or a rollout's shadow phase. Each copy is a {@link ShadowExchange} of its own,
 * started after the client's request went on its way and sharing nothing with it but the event
 * loop, so the client's answer never waits for, or hears of, the shadow's.
 *
 * <p>At most {@link #MAX_IN_FLIGHT} copies are in flight per process; a copy beyond that is
 * dropped and counted ({@code outcome="dropped"}), never queued: a slow or hung shadow must not
 * hold a growing share of the gateway's memory and connections. Copies are never retried.
 */
final class Shadows {
  /**
   * Enough for a 10 % mirror of about a thousand concurrent requests; a shadow slower than that
   * sheds copies rather than connections.
   */
  static final int MAX_IN_FLIGHT = 128;

  private final UpstreamPool upstreams;
  private final ProxySettings settings;
  private final Recorder recorder;
  private final AtomicInteger inFlight = new AtomicInteger();

  Shadows(UpstreamPool upstreams, ProxySettings settings, Recorder recorder) {
    this.upstreams = upstreams;
    this.settings = settings;
    this.recorder = recorder;
  }

  /**
   * Sends a copy of {@code client}'s request, {@code payload} naming the shadow's served model, to
   * {@code shadow}'s backends, or drops it when too many copies are in flight.
   */
  void mirror(Exchange client, RouteDecision shadow, byte[] payload, boolean streaming) {
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      recorder.shadowDropped(shadow);
      return;
    }
    new ShadowExchange(this, client, shadow, payload, streaming).start();
  }

  /** A copy ended, however it ended. */
  void ended() {
    inFlight.decrementAndGet();
  }

  UpstreamPool upstreams() {
    return upstreams;
  }

  ProxySettings settings() {
    return settings;
  }

  Recorder recorder() {
    return recorder;
  }
}
