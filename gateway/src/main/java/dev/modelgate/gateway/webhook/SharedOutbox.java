package dev.modelgate.gateway.webhook;

import dev.modelgate.gateway.webhook.FleetQueue.StoredEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.logging.Logger;

/**
 * One webhook URL in a fleet ({@code state.kind: postgres}). There is no queue in memory: the
 * ledger's events table is the queue, and a cursor per URL in the {@link FleetQueue} says how far
 * it is settled (delivered, given up, or not wanted by the URL's {@code events}). The replica that
 * holds the URL's lease reads the events past the cursor and delivers them one at a time, in seq
 * order, moving the cursor after each; the others only try, every {@link #RENEW}, to take the
 * lease, which they get once it has run out. So each event is sent by one replica, and a replica
 * that dies (or loses the database) mid-delivery leaves its lease to expire and the next holder
 * sends that event again: at least once, deduped by receivers on {@code x-modelgate-delivery}.
 *
 * <p>Why a cursor over the events table rather than one row per event and URL written with the
 * append: the append stays one insert that knows nothing of webhooks, every event reaches the URLs
 * whichever replica (or release, or import) wrote it, nothing grows with events × URLs, and one
 * holder per URL keeps the per-URL order the file store gives.
 *
 * <p>Confined to the webhooks' context. {@link #epoch} fences the callbacks of a holding that ended.
 */
final class SharedOutbox {
  private static final Logger LOG = Logger.getLogger(SharedOutbox.class.getName());
  /** How long a holder may go silent before another replica takes over its URL. */
  static final Duration LEASE = Duration.ofSeconds(10);
  /** How often the holder renews, and the others try; several renewals fit in one lease. */
  static final Duration RENEW = LEASE.dividedBy(4);
  private static final int BATCH = 100;

  private final Sender sender;
  private final FleetQueue queue;
  private final String key;
  private final Clock clock;
  private final ArrayDeque<StoredEvent> read = new ArrayDeque<>();
  private boolean holding;
  // Every seq up to it is settled, as written in the queue.
  private long cursor;
  // The last seq in (or already taken from) `read`.
  private long readThrough;
  private boolean claiming;
  private boolean pumping;
  private boolean wokenWhilePumping;
  private boolean unreachable;
  private boolean closed;
  private long epoch;

  SharedOutbox(Sender sender, FleetQueue queue, Clock clock) {
    this.sender = sender;
    this.queue = queue;
    this.key = sender.target().key();
    this.clock = clock;
  }

  /** Takes or renews the lease, then looks for new events (the safety net for missed wake-ups). */
  void tick() {
    if (claiming || closed) {
      return;
    }
    claiming = true;
    queue.claim(key, LEASE).onComplete(result -> {
      claiming = false;
      if (closed) {
        return;
      }
      if (result.failed()) {
        unreachable("cannot take or renew its lease", result.cause());
        return;
      }
      reachable();
      OptionalLong held = result.result();
      if (held.isEmpty()) {
        if (holding) {
          stop("another replica took it over");
        }
        return;
      }
      // Newly held, or held again after another replica moved the cursor: start from the queue's cursor.
      if (!holding || held.getAsLong() > cursor) {
        stop(null);
        holding = true;
        cursor = held.getAsLong();
        readThrough = cursor;
        LOG.info(() -> "webhook " + sender.target() + ": this replica delivers it, from seq " + (cursor + 1));
      }
      pump();
    });
  }

  /** New events may be in the ledger. */
  void wake() {
    pump();
  }

  private void pump() {
    if (!holding || closed) {
      return;
    }
    if (pumping) {
      wokenWhilePumping = true;
      return;
    }
    pumping = true;
    wokenWhilePumping = false;
    next(epoch);
  }

  private void next(long of) {
    while (!read.isEmpty() && !sender.target().events.contains(read.peek().action())) {
      read.remove();
    }
    if (!read.isEmpty()) {
      deliver(read.peek(), of);
      return;
    }
    if (readThrough > cursor) {
      // Only unwanted events were read: settle them, so no replica reads them again.
      settle(readThrough, null, of);
      return;
    }
    queue.eventsAfter(readThrough, BATCH).onComplete(result -> {
      if (of != epoch) {
        return;
      }
      if (result.failed()) {
        unreachable("cannot read the events", result.cause());
        pumping = false;
        return;
      }
      reachable();
      if (result.result().isEmpty()) {
        pumping = false;
        if (wokenWhilePumping) {
          pump();
        }
        return;
      }
      read.addAll(result.result());
      readThrough = read.peekLast().seq();
      next(of);
    });
  }

  private void deliver(StoredEvent event, long of) {
    Duration age = Duration.between(event.time(), clock.instant());
    long giveUpAt = sender.ticker().nanos() + sender.policy().giveUpAfter().minus(age).toNanos();
    sender.deliver(new Sender.Pending(event.seq(), event.action(), event.body(), giveUpAt)).onSuccess(settled -> {
      if (of == epoch) {
        settle(event.seq(), settled.delivered() ? null : new FleetQueue.GivenUp(settled.attempts(), settled.lastFailure()), of);
      }
    });
  }

  private void settle(long throughSeq, FleetQueue.GivenUp givenUp, long of) {
    queue.settle(key, throughSeq, givenUp).onComplete(result -> {
      if (of != epoch) {
        return;
      }
      if (result.failed()) {
        // Delivered but not recorded: try recording again rather than send it again.
        unreachable("cannot record seq " + throughSeq + " as settled", result.cause());
        retrySettle(throughSeq, givenUp, of);
        return;
      }
      reachable();
      if (!result.result()) {
        stop("another replica took it over");
        return;
      }
      cursor = throughSeq;
      if (!read.isEmpty() && read.peek().seq() == throughSeq) {
        read.remove();
      }
      next(of);
    });
  }

  private void retrySettle(long throughSeq, FleetQueue.GivenUp givenUp, long of) {
    sender.vertx().setTimer(RENEW.toMillis(), id -> {
      if (of == epoch && !closed) {
        settle(throughSeq, givenUp, of);
      }
    });
  }

  // Ends this replica's holding (a delivery under way is dropped; its event is the next holder's first).
  private void stop(String why) {
    if (holding && why != null) {
      LOG.info(() -> "webhook " + sender.target() + ": " + why + " after seq " + cursor);
    }
    epoch++;
    holding = false;
    pumping = false;
    read.clear();
    sender.cancel();
  }

  private void unreachable(String doing, Throwable cause) {
    if (!unreachable) {
      unreachable = true;
      LOG.warning(() -> "webhook " + sender.target() + ": " + doing + " (" + cause.getMessage() + "); trying again every "
          + RENEW.toMillis() + " ms");
    }
  }

  private void reachable() {
    if (unreachable) {
      unreachable = false;
      LOG.info(() -> "webhook " + sender.target() + ": the fleet's queue answers again");
    }
  }

  /** Stops for good, dropping the delivery under way; {@link FleetQueue#close()} then hands the lease on. */
  void close() {
    closed = true;
    stop(null);
  }
}
