package dev.modelgate.gateway.state.postgres;

import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.config.StateConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.pubsub.PgChannel;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.time.Duration;
import java.util.function.BooleanSupplier;
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
 * While it is, the poll becomes a probe with backoff (from 100 ms, doubling up to {@link
 * #PROBE_MAX}), so the replica finds the database back, and writes what it held meanwhile, within a
 * second of its return — before a leader of the fleet's guard could judge the same evidence again.
 */
public final class LedgerListener {
  /** The safety net's period: the longest a change can take to arrive when every announcement is lost. */
  public static final Duration POLL = Duration.ofSeconds(5);
  private static final Logger LOG = Logger.getLogger(LedgerListener.class.getName());
  /** The longest wait between two probes while the database cannot be reached. */
  public static final Duration PROBE_MAX = Duration.ofSeconds(1);
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final Vertx vertx;
  private final PgSubscriber subscriber;
  private final Runnable catchUp;
  private final BooleanSupplier unreachable;
  private volatile long pollTimer = -1;
  private volatile boolean closed;
  private volatile boolean warned;

  private LedgerListener(Vertx vertx, PgSubscriber subscriber, Runnable catchUp, BooleanSupplier unreachable) {
    this.vertx = vertx;
    this.subscriber = subscriber;
    this.catchUp = catchUp;
    this.unreachable = unreachable;
  }

  /**
   * Starts listening; returns at once, connecting in the background.
   *
   * @param folded the last seq the replica has folded: an announcement at or below it is its own, or old
   * @param catchUp asks the replica's writer to fold what follows; called on an event loop, so it only queues work
   * @param unreachable whether the replica's last call to the database found it gone
   */
  public static LedgerListener start(Vertx vertx, StateConfig state, Function<String, String> environment, String replicaId,
      LongSupplier folded, Runnable catchUp, BooleanSupplier unreachable) {
    requireNonNull(folded, "folded");
    requireNonNull(catchUp, "catchUp");
    requireNonNull(unreachable, "unreachable");
    PgSubscriber subscriber = PgSubscriber.subscriber(vertx, Database.connectOptions(state, environment, "modelgate-listen:" + replicaId));
    subscriber.reconnectPolicy(retries -> {
      if (retries == 0) {
        // Just lost: if the database went with it, the catch-up's failure says so now rather than at the next poll.
        catchUp.run();
      }
      return backoffMillis(retries);
    });
    LedgerListener listener = new LedgerListener(vertx, subscriber, catchUp, unreachable);
    listener.schedulePoll(0);
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

  // One timer at a time, each scheduling the next: every POLL while the database answers, with backoff up to PROBE_MAX while not.
  private void schedulePoll(int probes) {
    if (closed) {
      return;
    }
    boolean probing = unreachable.getAsBoolean();
    long delay = probing ? Math.min(PROBE_MAX.toMillis(), backoffMillis(probes)) : POLL.toMillis();
    pollTimer = vertx.setTimer(delay, id -> {
      if (closed) {
        return;
      }
      catchUp.run();
      schedulePoll(probing ? probes + 1 : 0);
    });
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
