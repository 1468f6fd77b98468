package dev.modelgate.gateway.webhook;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Ticker;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.gateway.config.WebhookConfig;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.schema.EventJson;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Webhooks (docs/admin-api.md): every audit event is POSTed, as {@link EventJson#write} gives it and
 * signed with HMAC-SHA256, to each configured URL whose {@code events} include its action.
 *
 * <p>Threads: the control plane calls {@link #publish} on its writer thread, in seq order. It only
 * renders the JSON and hands it to one event-loop context, whose task queue keeps that order; the
 * queues, timers and HTTP exchanges all live on that context, so they need no lock, and neither a
 * change nor a request ever waits for a receiver.
 *
 * <p>Order: each URL has its own {@link Outbox} with at most one event in flight; the next is sent
 * only once the previous is delivered (a 2xx) or given up, so a slow receiver delays only itself.
 * Delivery is at least once (an answer lost on the way back means a resend): receivers can tell a
 * repeat by {@code x-modelgate-delivery}, the event's seq. Memory is bounded per URL by
 * {@link DeliveryPolicy#queueCapacity}. Closing abandons what is still queued, with a log line: the
 * ledger keeps every event, and {@code GET /admin/v1/audit?since=} serves what a receiver missed.
 *
 * <p>In a fleet ({@link #shared}) there is no queue in memory: each URL is a {@link SharedOutbox}
 * reading the ledger past a cursor the replicas share, delivered by the one replica holding its
 * lease, whichever replica wrote the event; a crash hands the URL to another replica.
 */
public final class Webhooks {
  private static final Logger LOG = Logger.getLogger(Webhooks.class.getName());

  private final Context context;
  private final HttpClient client;
  // The file store's queues in memory, or the fleet's outboxes over the shared queue: one of the two is empty.
  private final List<Outbox> outboxes = new ArrayList<>();
  private final List<SharedOutbox> shared = new ArrayList<>();
  private final FleetQueue fleetQueue;
  private long tickTimer = -1;

  /**
   * Starts delivering to {@code targets} (from {@link #targets}) from queues in memory (the file
   * store: one replica); events come in through {@link #publish}.
   */
  public Webhooks(Vertx vertx, List<Target> targets, GatewayMetrics metrics, DeliveryPolicy policy, Ticker ticker) {
    this(vertx, targets, metrics, policy, ticker, null, null);
  }

  /**
   * Starts delivering to {@code targets} for a fleet: each event once, by whichever replica holds
   * the URL's lease in {@code queue} ({@link SharedOutbox}); {@link #publish} and {@link #wake} say
   * when to look for new events.
   */
  public static Webhooks shared(Vertx vertx, List<Target> targets, GatewayMetrics metrics, DeliveryPolicy policy, Ticker ticker,
      Clock clock, FleetQueue queue) {
    return new Webhooks(vertx, targets, metrics, policy, ticker, requireNonNull(clock, "clock"), requireNonNull(queue, "queue"));
  }

  private Webhooks(Vertx vertx, List<Target> targets, GatewayMetrics metrics, DeliveryPolicy policy, Ticker ticker, Clock clock,
      FleetQueue queue) {
    requireNonNull(vertx, "vertx");
    requireNonNull(metrics, "metrics");
    requireNonNull(policy, "policy");
    requireNonNull(ticker, "ticker");
    this.context = vertx.getOrCreateContext();
    this.fleetQueue = queue;
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setKeepAlive(true)
        .setConnectTimeout((int) policy.connectTimeout().toMillis())
        .setName("modelgate-webhooks"));
    for (Target target : targets) {
      Sender sender = new Sender(vertx, client, target, metrics.webhook(target.index, target.host), policy, ticker);
      if (queue == null) {
        outboxes.add(new Outbox(sender));
      } else {
        shared.add(new SharedOutbox(sender, queue, clock));
      }
    }
    if (!shared.isEmpty()) {
      // Set on the context, so the ticks run there.
      context.runOnContext(v -> tickTimer = vertx.setPeriodic(0, SharedOutbox.RENEW.toMillis(), id -> shared.forEach(SharedOutbox::tick)));
    }
  }

  /**
   * Reads each webhook's secret from the environment and checks its URL, before anything starts.
   *
   * @throws IllegalArgumentException naming {@code webhooks[i].secret_env} when its variable is
   *     unset or blank, or {@code webhooks[i].url} when the HTTP client cannot take it
   */
  public static List<Target> targets(List<WebhookConfig> configs, Function<String, String> environment) {
    List<Target> targets = new ArrayList<>();
    Map<String, Integer> twins = new HashMap<>();
    for (int i = 0; i < configs.size(); i++) {
      WebhookConfig config = configs.get(i);
      String secret = environment.apply(config.secretEnv());
      if (secret == null || secret.isBlank()) {
        throw new IllegalArgumentException("webhooks[" + i + "].secret_env: environment variable " + config.secretEnv() + " is not set");
      }
      try {
        new RequestOptions().setAbsoluteURI(config.url());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("webhooks[" + i + "].url: '" + config.url() + "' (expected: an http:// or https:// URL: " + e.getMessage() + ")");
      }
      Set<Action> events = EnumSet.noneOf(Action.class);
      config.events().forEach(name -> events.add(Action.fromWireName(name)));
      String identity = config.url() + "\n" + events + "\n";
      int twin = twins.merge(identity, 1, Integer::sum) - 1;
      targets.add(new Target(i, config.url(), URI.create(config.url()).getHost(), Collections.unmodifiableSet(events),
          secret.trim().getBytes(StandardCharsets.UTF_8), key(identity, twin)));
    }
    return targets;
  }

  /**
   * Queues {@code event} for every webhook that wants its action, and returns at once. Call it in
   * seq order (the control plane's listener does): that order is the order of delivery.
   */
  public void publish(AuditEvent event) {
    if (!shared.isEmpty()) {
      wake();
      return;
    }
    List<Outbox> wanted = new ArrayList<>(outboxes.size());
    for (Outbox outbox : outboxes) {
      if (outbox.wants(event.action())) {
        wanted.add(outbox);
      }
    }
    if (wanted.isEmpty()) {
      return;
    }
    byte[] body = EventJson.write(event).getBytes(StandardCharsets.UTF_8);
    context.runOnContext(v -> wanted.forEach(outbox -> outbox.offer(event.seq(), event.action(), body)));
  }

  /**
   * Says that the ledger may hold events this replica has not delivered yet (another replica
   * appended): in a fleet, the holder of a URL's lease then reads them. Returns at once.
   */
  public void wake() {
    if (!shared.isEmpty()) {
      context.runOnContext(v -> shared.forEach(SharedOutbox::wake));
    }
  }

  /**
   * Stops delivering: what is queued or being retried is abandoned (and logged); in a fleet the
   * leases are handed on, so another replica sends it. Then the client closes.
   */
  public Future<Void> close() {
    Promise<Void> stopped = Promise.promise();
    context.runOnContext(v -> {
      if (tickTimer != -1) {
        context.owner().cancelTimer(tickTimer);
      }
      shared.forEach(SharedOutbox::close);
      int abandoned = 0;
      for (Outbox outbox : outboxes) {
        abandoned += outbox.abandon();
      }
      if (abandoned > 0) {
        int count = abandoned;
        LOG.warning(() -> "webhooks: closing with " + count + " undelivered event(s) abandoned; GET /admin/v1/audit?since= still serves them");
      }
      stopped.complete();
    });
    return stopped.future()
        .compose(v -> fleetQueue == null ? Future.<Void>succeededFuture() : fleetQueue.close())
        .eventually(() -> client.close());
  }

  // Same URL and events, same key on every replica; a repeated entry is a URL of its own.
  private static String key(String identity, int twin) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest((identity + twin).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  /**
   * One configured webhook, checked and with its secret read: made only by {@link #targets}, and
   * opaque outside this package so the secret goes nowhere else.
   */
  public static final class Target {
    final int index;
    final String url;
    final String host;
    final Set<Action> events;
    final byte[] secret;
    final String key;

    private Target(int index, String url, String host, Set<Action> events, byte[] secret, String key) {
      this.index = index;
      this.url = url;
      this.host = host;
      this.events = events;
      this.secret = secret;
      this.key = key;
    }

    /**
     * Names this webhook in a fleet's shared queue: a SHA-256 of its URL and {@code events} (so the
     * queue holds no URL, which may carry a token), the same on every replica with the same config.
     */
    public String key() {
      return key;
    }

    /** {@code webhooks[i] (host)}: the URL itself may carry a token in its path, so logs never show it. */
    @Override
    public String toString() {
      return "webhooks[" + index + "] (" + host + ")";
    }
  }
}
