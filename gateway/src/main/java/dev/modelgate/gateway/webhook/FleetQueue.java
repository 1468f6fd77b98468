package dev.modelgate.gateway.webhook;

import dev.modelgate.core.ledger.Action;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * What the replicas of a fleet share to deliver each event once: the ledger's events in seq order,
 * and per webhook a cursor (every seq up to it is settled) with a lease naming the one replica that
 * delivers past it. Implemented on PostgreSQL by {@code state.postgres.PostgresOutbox}. Its methods
 * are called on the webhooks' context and never block.
 */
public interface FleetQueue {

  /** One event as the ledger stores it; {@code body} is its JSON line, the bytes every replica sends and signs. */
  record StoredEvent(long seq, Action action, Instant time, byte[] body) {}

  /** Why an event was given up, recorded beside the cursor for operators. */
  record GivenUp(int attempts, String lastFailure) {}

  /**
   * Takes or renews this replica's lease on {@code target} for {@code lease} from now; succeeds only
   * when no other replica's lease on it is still running.
   *
   * @return the target's cursor when this replica now holds it, empty when another replica does
   */
  Future<OptionalLong> claim(String target, Duration lease);

  /** At most {@code limit} events with a seq above {@code afterSeq}, oldest first. */
  Future<List<StoredEvent>> eventsAfter(long afterSeq, int limit);

  /**
   * Moves {@code target}'s cursor to {@code throughSeq}, recording {@code givenUp} (when not {@code
   * null}) for that seq in the same transaction, if this replica still holds the lease.
   *
   * @return {@code false} when another replica has taken the target over: nothing was written
   */
  Future<Boolean> settle(String target, long throughSeq, GivenUp givenUp);

  /** Gives up this replica's leases, so others take over at once, and closes the connections. */
  Future<Void> close();
}
