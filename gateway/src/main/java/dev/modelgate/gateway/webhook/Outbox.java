package dev.modelgate.gateway.webhook;

import dev.modelgate.core.Ticker;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.gateway.metrics.GatewayMetrics.WebhookMeters;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The queue of one webhook URL, and its one delivery at a time. Confined to the webhooks' context:
 * every method but {@link #wants} (which reads only the immutable target) runs there, so the fields
 * need no lock.
 */
final class Outbox {
  private static final Logger LOG = Logger.getLogger(Outbox.class.getName());
  static final String SIGNATURE = "x-modelgate-signature";
  static final String EVENT = "x-modelgate-event";
  static final String DELIVERY = "x-modelgate-delivery";
  private static final HexFormat HEX = HexFormat.of();

  private final Vertx vertx;
  private final HttpClient client;
  private final Webhooks.Target target;
  private final WebhookMeters meters;
  private final DeliveryPolicy policy;
  private final Ticker ticker;
  private final Mac mac;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  // True from the head's first attempt until it is delivered or given up, retry waits included.
  private boolean sending;
  private long retryTimer = -1;
  private boolean closed;

  private record Pending(long seq, Action action, byte[] body, String signature, long recordedNanos) {}

  Outbox(Vertx vertx, HttpClient client, Webhooks.Target target, WebhookMeters meters, DeliveryPolicy policy, Ticker ticker) {
    this.vertx = vertx;
    this.client = client;
    this.target = target;
    this.meters = meters;
    this.policy = policy;
    this.ticker = ticker;
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(target.secret, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      // Every Java runtime must provide HmacSHA256, and any non-empty key fits it.
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  boolean wants(Action action) {
    return target.events.contains(action);
  }

  void offer(long seq, Action action, byte[] body) {
    if (closed) {
      return;
    }
    if (queue.size() >= policy.queueCapacity()) {
      meters.dropped();
      LOG.warning(() -> "webhook " + target + ": dropped event seq " + seq + " (" + action + "): " + queue.size()
          + " events already queued behind an undelivered one");
      return;
    }
    queue.add(new Pending(seq, action, body, "sha256=" + HEX.formatHex(mac.doFinal(body)), ticker.nanos()));
    if (!sending) {
      sending = true;
      attempt(1);
    }
  }

  private void attempt(int attempt) {
    Pending head = queue.element();
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(target.url)
        .setIdleTimeout(policy.requestTimeout().toMillis())
        .putHeader("content-type", "application/json")
        .putHeader(SIGNATURE, head.signature())
        .putHeader(EVENT, head.action().wireName())
        .putHeader(DELIVERY, Long.toString(head.seq()));
    client.request(request)
        .compose(req -> req.send(Buffer.buffer(head.body())))
        // Waiting for the end (the body is discarded) frees the connection for the next event.
        .compose(response -> response.end().map(v -> response.statusCode()))
        .onComplete(result -> settle(head, attempt, result));
  }

  private void settle(Pending head, int attempt, AsyncResult<Integer> result) {
    if (closed) {
      return;
    }
    if (result.succeeded() && result.result() / 100 == 2) {
      meters.delivered();
      next();
      return;
    }
    meters.failedAttempt();
    String failure = result.succeeded() ? "answered " + result.result() : String.valueOf(result.cause());
    Duration delay = policy.retryDelay(attempt, ThreadLocalRandom.current().nextDouble());
    long age = ticker.nanos() - head.recordedNanos();
    if (age + delay.toNanos() > policy.giveUpAfter().toNanos()) {
      meters.givenUp();
      LOG.warning(() -> "webhook " + target + ": gave up on event seq " + head.seq() + " (" + head.action() + ") after "
          + attempt + " attempt(s); last: " + failure);
      next();
      return;
    }
    LOG.log(Level.INFO, () -> "webhook " + target + ": event seq " + head.seq() + " attempt " + attempt + " failed (" + failure
        + "); retrying in " + delay.toMillis() + " ms");
    retryTimer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      retryTimer = -1;
      attempt(attempt + 1);
    });
  }

  private void next() {
    queue.remove();
    sending = !queue.isEmpty();
    if (sending) {
      attempt(1);
    }
  }

  /** Stops for good; returns how many events were still queued (the one in flight included). */
  int abandon() {
    closed = true;
    if (retryTimer != -1) {
      vertx.cancelTimer(retryTimer);
    }
    int abandoned = queue.size();
    queue.clear();
    return abandoned;
  }
}
