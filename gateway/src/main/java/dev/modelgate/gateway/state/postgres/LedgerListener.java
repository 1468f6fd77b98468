package dev.modelgate.gateway.state.postgres;

import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.config.StateConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.pubsub.PgChannel;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * How a replica hears that others appended: it LISTENs on {@link PostgresLedger#CHANNEL} on a
 * connection of its own ({@code application_name} {@code modelgate-listen:<replicaId>}) and asks for
 * a catch-up when an announced seq is past what it has folded. Notifications sent while the
 * connection is down are lost, so it also asks on every (re)subscription, and every {@link #POLL}
 * whatever happens: catching up reads from the last folded seq, so asking too often costs one
 * query and misses nothing. A lost connection is re-opened with backoff, for as long as the
 * gateway runs; losing it asks for a catch-up at once too, which finds out whether the database
 * itself is gone (then the replica is degraded: {@link dev.modelgate.gateway.state.StateHealth}).
 */
public final class LedgerListener {
  /** The safety net's period: the longest a change can take to arrive when every announcement is lost. */
  public static final Duration POLL = Duration.ofSeconds(5);
  private static final Logger LOG = Logger.getLogger(LedgerListener.class.getName());
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final Vertx vertx;
  private final PgSubscriber subscriber;
  private final long pollTimer;
  private volatile boolean closed;
  private volatile boolean warned;

  private LedgerListener(Vertx vertx, PgSubscriber subscriber, long pollTimer) {
    this.vertx = vertx;
    this.subscriber = subscriber;
    this.pollTimer = pollTimer;
  }

  /**
   * Starts listening; returns at once, connecting in the background.
   *
   * @param folded the last seq the replica has folded: an announcement at or below it is its own, or old
   * @param catchUp asks the replica's writer to fold what follows; called on an event loop, so it only queues work
   */
  public static LedgerListener start(Vertx vertx, StateConfig state, Function<String, String> environment, String replicaId,
      LongSupplier folded, Runnable catchUp) {
    requireNonNull(folded, "folded");
    requireNonNull(catchUp, "catchUp");
    PgSubscriber subscriber = PgSubscriber.subscriber(vertx, Database.connectOptions(state, environment, "modelgate-listen:" + replicaId));
    subscriber.reconnectPolicy(retries -> {
      if (retries == 0) {
        // Just lost: if the database went with it, the catch-up's failure says so now rather than at the next poll.
        catchUp.run();
      }
      return backoffMillis(retries);
    });
    long pollTimer = vertx.setPeriodic(POLL.toMillis(), id -> catchUp.run());
    LedgerListener listener = new LedgerListener(vertx, subscriber, pollTimer);
    PgChannel channel = subscriber.channel(PostgresLedger.CHANNEL);
    channel.subscribeHandler(subscribed -> {
      LOG.fine("state: listening for appends; catching up on what was missed");
      listener.warned = false;
      catchUp.run();
    });
    channel.handler(payload -> {
      if (announced(payload) > folded.getAsLong()) {
        catchUp.run();
      }
    });
    listener.connect(0);
    return listener;
  }

  private static long announced(String payload) {
    try {
      return Long.parseLong(payload);
    } catch (NumberFormatException e) {
      // Not ours, or damaged: look anyway.
      return Long.MAX_VALUE;
    }
  }

  private static long backoffMillis(int retries) {
    return Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(retries, 10));
  }

  // The subscriber re-connects a connection it lost; the first one, or one refused, is retried here.
  private void connect(int attempt) {
    if (closed) {
      return;
    }
    subscriber.connect().onFailure(e -> {
      long delay = backoffMillis(attempt);
      if (warned) {
        LOG.fine(() -> "state: LISTEN still refused (" + Database.describe(e) + "); retrying in " + delay + " ms");
      } else {
        warned = true;
        LOG.warning("state: cannot LISTEN for other replicas' appends (" + Database.describe(e) + "); retrying in " + delay
          + " ms, and polling every " + POLL.toSeconds() + " s meanwhile");
      }
      vertx.setTimer(delay, id -> connect(attempt + 1));
    });
  }

  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(pollTimer);
    return subscriber.close();
  }
}
