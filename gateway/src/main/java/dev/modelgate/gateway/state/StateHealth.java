package dev.modelgate.gateway.state;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Logger;

/**
 * Whether this replica reaches its state store, as its last call to the store found: {@code /healthz}
 * says {@code state: degraded} and the admin API refuses changes at once while it does not. The
 * store's clients report what they see from any thread; the first failure after a success logs one
 * warning for the outage, and the first success after it logs its end, however many attempts lie between.
 */
public final class StateHealth {
  private static final Logger LOG = Logger.getLogger(StateHealth.class.getName());

  private final Clock clock;
  // Null while the store answers; else the first failure of this outage.
  private volatile Outage outage;

  private record Outage(Instant since, String problem) {}

  public StateHealth(Clock clock) {
    this.clock = clock;
  }

  /** Whether the last call to the store succeeded (true for a store that never fails this way). */
  public boolean available() {
    return outage == null;
  }

  /** The failure that started the current outage, or {@code null} when there is none. */
  public String problem() {
    Outage current = outage;
    return current == null ? null : current.problem();
  }

  /** A call to the store failed because it cannot be reached. */
  public void lost(StateUnavailableException failure) {
    Outage started = null;
    synchronized (this) {
      if (outage == null) {
        started = new Outage(clock.instant(), failure.getMessage());
        outage = started;
      }
    }
    if (started != null) {
      LOG.warning("state: the store cannot be reached; routing goes on from the last table, admin changes answer 503"
          + " state_unavailable until it is back (retrying with backoff): " + failure.getMessage());
    }
  }

  /** A call to the store succeeded. */
  public void reached() {
    if (outage == null) {
      return;
    }
    Outage ended;
    synchronized (this) {
      ended = outage;
      outage = null;
    }
    if (ended != null) {
      Duration lasted = Duration.between(ended.since(), clock.instant());
      LOG.info("state: the store answers again after " + lasted.toMillis() + " ms unreachable");
    }
  }

  /** The refusal of a change or read asked for while the store cannot be reached. */
  public StateUnavailableException refusal() {
    Outage current = outage;
    return new StateUnavailableException("state: the store cannot be reached"
        + (current == null ? "" : " since " + current.since() + " (" + current.problem() + ")"), null);
  }
}
