package dev.modelgate.gateway.webhook;

import dev.modelgate.core.Ticker;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.gateway.auth.Hmac;
import dev.modelgate.gateway.metrics.GatewayMetrics.WebhookMeters;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Delivers one event at a time to one webhook URL: signs it, POSTs it, and retries on the {@link
 * DeliveryPolicy} schedule until a 2xx or its give-up time. Both queues use it: the in-memory {@link
 * Outbox} and the fleet's {@link SharedOutbox}. Confined to the webhooks' context, so it needs no lock.
 */
final class Sender {
  private static final Logger LOG = Logger.getLogger(Sender.class.getName());
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
  private long retryTimer = -1;
  // Bumped by cancel(): an answer or timer of an earlier delivery then settles nothing.
  private long generation;

  /**
   * One event to deliver.
   *
   * @param giveUpAtNanos on the ticker: a retry that would start after it is not made
   */
  record Pending(long seq, Action action, byte[] body, long giveUpAtNanos) {}

  /** How a delivery ended: delivered (a 2xx) or given up, after {@code attempts} POSTs. */
  record Settled(boolean delivered, int attempts, String lastFailure) {}

  Sender(Vertx vertx, HttpClient client, Webhooks.Target target, WebhookMeters meters, DeliveryPolicy policy, Ticker ticker) {
    this.vertx = vertx;
    this.client = client;
    this.target = target;
    this.meters = meters;
    this.policy = policy;
    this.ticker = ticker;
  }

  Webhooks.Target target() {
    return target;
  }

  WebhookMeters meters() {
    return meters;
  }

  DeliveryPolicy policy() {
    return policy;
  }

  Ticker ticker() {
    return ticker;
  }

  Vertx vertx() {
    return vertx;
  }

  /**
   * Attempts {@code pending} until it is delivered or given up, counting both in the metrics; the
   * future never completes if {@link #cancel()} comes first. One delivery at a time.
   */
  Future<Settled> deliver(Pending pending) {
    Promise<Settled> settled = Promise.promise();
    attempt(pending, "sha256=" + HEX.formatHex(Hmac.sha256(target.secret, pending.body())), 1, generation, settled);
    return settled.future();
  }

  /** Stops the delivery under way: no further attempt is made, and its future never completes. */
  void cancel() {
    generation++;
    if (retryTimer != -1) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
  }

  private void attempt(Pending pending, String signature, int attempt, long of, Promise<Settled> settled) {
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(target.url)
        .setIdleTimeout(policy.requestTimeout().toMillis())
        .putHeader("content-type", "application/json")
        .putHeader(SIGNATURE, signature)
        .putHeader(EVENT, pending.action().wireName())
        .putHeader(DELIVERY, Long.toString(pending.seq()));
    client.request(request)
        .compose(req -> req.send(Buffer.buffer(pending.body())))
        // Waiting for the end (the body is discarded) frees the connection for the next event.
        .compose(response -> response.end().map(v -> response.statusCode()))
        .onComplete(result -> {
          if (of == generation) {
            settle(pending, signature, attempt, result, settled);
          }
        });
  }

  private void settle(Pending pending, String signature, int attempt, AsyncResult<Integer> result, Promise<Settled> settled) {
    if (result.succeeded() && result.result() / 100 == 2) {
      meters.delivered();
      settled.complete(new Settled(true, attempt, null));
      return;
    }
    meters.failedAttempt();
    String failure = result.succeeded() ? "answered " + result.result() : String.valueOf(result.cause());
    Duration delay = policy.retryDelay(attempt, ThreadLocalRandom.current().nextDouble());
    if (ticker.nanos() + delay.toNanos() > pending.giveUpAtNanos()) {
      meters.givenUp();
      LOG.warning(() -> "webhook " + target + ": gave up on event seq " + pending.seq() + " (" + pending.action() + ") after "
          + attempt + " attempt(s); last: " + failure);
      settled.complete(new Settled(false, attempt, failure));
      return;
    }
    LOG.log(Level.INFO, () -> "webhook " + target + ": event seq " + pending.seq() + " attempt " + attempt + " failed (" + failure
        + "); retrying in " + delay.toMillis() + " ms");
    long of = generation;
    retryTimer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      retryTimer = -1;
      attempt(pending, signature, attempt + 1, of, settled);
    });
  }
}
