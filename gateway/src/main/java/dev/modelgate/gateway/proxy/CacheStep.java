package dev.modelgate.gateway.proxy;

import dev.modelgate.gateway.cache.CacheFill;
import dev.modelgate.gateway.cache.CacheLookup;
import dev.modelgate.gateway.cache.CacheRoute;
import dev.modelgate.gateway.cache.LoadFailed;
import dev.modelgate.gateway.cache.StoredAnswer;
import dev.modelgate.gateway.metrics.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * An exchange on a route with a cache (SPEC §12), between routing and the backend: answers a hit
 * without touching the upstream pool, parks a request behind an identical one already at the
 * backend, or lets it go on and hands its answer to the cache. Exchanges on routes without a cache
 * never make one. As a {@link BiConsumer} it is told when the load it waits for settles.
 */
final class CacheStep implements BiConsumer<StoredAnswer, Throwable> {
  private static final AsciiString X_CACHE = AsciiString.cached("x-modelgate-cache");
  private static final AsciiString HIT = AsciiString.cached("hit");
  private static final AsciiString MISS = AsciiString.cached("miss");
  // A load given up by its client sends its waiters to look again; after this many, a waiter goes itself.
  private static final int MAX_LOOKUPS = 3;

  private final Exchange exchange;
  private final CacheRoute route;
  private final byte[] payload;
  private final boolean admitted;
  private CacheFill fill;
  private int lookups;
  /** Whether the answer came from the cache (or a load this request waited for), not from its own backend call. */
  boolean fromCache;
  // Whether that answer was a kept one, not an error shared by the load it waited for.
  private boolean hit;

  CacheStep(Exchange exchange, CacheRoute route, BodyScan scan, byte[] payload) {
    this.exchange = exchange;
    this.route = route;
    this.payload = payload;
    this.admitted = route.admits(exchange.path, scan.stream, scan.temperatureZero, scan.choices);
  }

  /** Answers or parks the exchange and returns {@code true}; {@code false}: it goes to the backend. */
  boolean answersFirst() {
    if (!admitted) {
      route.bypass();
      return false;
    }
    return look();
  }

  private boolean look() {
    lookups++;
    HttpHeaders request = exchange.request.headers();
    String control = request.get(HttpHeaderNames.CACHE_CONTROL);
    CacheLookup lookup = route.lookup(exchange.path, exchange.proxy.clientKeyIndex(request.get(HttpHeaderNames.AUTHORIZATION)), payload,
        has(control, "no-cache"), has(control, "no-store"));
    if (lookup instanceof CacheLookup.Hit hit) {
      answer(hit.answer());
      return true;
    }
    if (lookup instanceof CacheLookup.Wait wait) {
      wait.load().whenComplete(this);
      return true;
    }
    fill = lookup instanceof CacheFill leading ? leading : null;
    route.miss();
    return false;
  }

  /** The load this exchange waits for settled, on whichever thread settled it. */
  @Override
  public void accept(StoredAnswer answer, Throwable error) {
    exchange.channel.eventLoop().execute(() -> {
      try {
        settled(answer, error instanceof CompletionException ? error.getCause() : error);
      } catch (RuntimeException e) {
        exchange.failedInside(e);
      }
    });
  }

  private void settled(StoredAnswer answer, Throwable error) {
    if (exchange.phase() == Phase.DONE) {
      // This request's client left while it waited.
      return;
    }
    if (answer != null) {
      answer(answer);
      return;
    }
    StoredAnswer shared = error instanceof LoadFailed failed ? failed.answer() : null;
    if (shared != null) {
      route.miss();
      fromCache = true;
      exchange.answerStored(shared, outcomeOf(shared.status()), "an identical request's answer, shared: status " + shared.status());
      return;
    }
    if (lookups < MAX_LOOKUPS && look()) {
      return;
    }
    if (lookups >= MAX_LOOKUPS) {
      route.miss();
    }
    exchange.forward(false);
  }

  private void answer(StoredAnswer stored) {
    route.hit();
    fromCache = true;
    hit = true;
    exchange.answerStored(stored, Outcome.SUCCESS, null);
  }

  /** Adds {@code x-modelgate-cache} to an answer's headers. */
  void tag(HttpHeaders headers) {
    headers.set(X_CACHE, hit ? HIT : MISS);
  }

  /** {@code hit} or {@code miss}, for the access log. */
  String logValue() {
    return hit ? "hit" : "miss";
  }

  /** A piece of the backend's answer, before it is written on. */
  void capture(ByteBuf data) {
    if (fill != null) {
      fill.capture(data);
    }
  }

  /** The backend's answer ended whole. */
  void relayed(int status, HttpHeaders headers) {
    if (fill != null) {
      fill.relayed(status, headers);
    }
  }

  /** The gateway answered with an error of its own. */
  void failed(int status, byte[] errorJson) {
    if (fill != null) {
      fill.failed(status, errorJson);
    }
  }

  /** The client left. */
  void abandoned() {
    if (fill != null) {
      fill.abandoned();
    }
  }

  private static Outcome outcomeOf(int status) {
    return switch (status) {
      case 503 -> Outcome.UNAVAILABLE;
      case 504 -> Outcome.TIMEOUT;
      default -> status >= 500 ? Outcome.UPSTREAM_ERROR : Outcome.SUCCESS;
    };
  }

  // A Cache-Control directive, by name, without regard to case or arguments.
  static boolean has(String cacheControl, String directive) {
    if (cacheControl == null) {
      return false;
    }
    for (String part : cacheControl.split(",")) {
      String name = part.strip();
      int eq = name.indexOf('=');
      if ((eq < 0 ? name : name.substring(0, eq).strip()).equalsIgnoreCase(directive)) {
        return true;
      }
    }
    return false;
  }
}
