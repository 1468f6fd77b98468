package dev.modelgate.gateway.state;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.rollout.BreachRuns;
import java.io.IOException;
import java.util.List;

/**
 * The append-only audit log whose {@link dev.modelgate.core.ledger.RegistryFold fold} is the
 * registry (docs/operations.md). The embedded store is {@link FileLedger};
 * {@link dev.modelgate.gateway.state.postgres.PostgresLedger} implements the same contract with one
 * table of events keyed by {@code seq}, shared by the replicas of a fleet.
 *
 * <p><b>Threading.</b> Every method blocks on storage, so callers run them off the event loop
 * ({@code vertx.executeBlocking}). There is one writer: appends are issued by the one control
 * context that decides changes (decide, append, then swap the routing table), so the state an
 * event's {@code before} was read from is still current when it is written. Queries may run
 * concurrently with an append and see the ledger before or after it.
 *
 * <p><b>Shared stores.</b> When other writers (replicas) append to the same store, this ledger knows
 * the events up to {@link #lastSeq()}; an append decided on that state fails with {@link
 * AppendConflictException} if another writer appended first, and {@link #catchUp()} reads what they
 * appended.
 *
 * <p><b>Beside the events</b> a store keeps the SLO guard's breach runs: one {@link BreachRuns} per
 * alias, replaced as the runs change, not history and not audit events. {@link
 * dev.modelgate.core.rollout.GuardMemory} says why, and holds the rules for reading them back.
 */
public interface Ledger extends AutoCloseable {

  /**
   * What start-up folds: the newest readable snapshot (or {@link LedgerState#EMPTY}) and every event
   * after it up to {@link #lastSeq()}, oldest first. A snapshot that cannot be read, or does not fit
   * the events, is skipped with a warning for an older one or for the whole ledger: a snapshot only
   * saves time, the events are the truth. The events before the snapshot stay in storage for
   * {@link #since}; memory holds neither.
   */
  Replay replay() throws IOException;

  /**
   * Stores {@code state}, the fold of this ledger's events up to {@link #lastSeq()}, as a snapshot
   * for later {@link #replay()}s, keeping the newest two. Saving a seq already saved (by another
   * replica of a fleet) changes nothing. Called by the one writer; a failure leaves the events and
   * the earlier snapshots as they were.
   *
   * @throws IllegalArgumentException when {@code state} is not at {@link #lastSeq()}
   */
  void saveSnapshot(LedgerState state) throws IOException;

  /**
   * A snapshot and the events that follow it.
   *
   * @param snapshot the state as of the snapshot, {@link LedgerState#EMPTY} for none
   * @param tail the events after {@code snapshot.seq()}, oldest first
   */
  record Replay(LedgerState snapshot, List<AuditEvent> tail) {
    public Replay {
      requireNonNull(snapshot, "snapshot");
      tail = List.copyOf(tail);
    }

    /**
     * The state the ledger adds up to.
     *
     * @throws dev.modelgate.core.ledger.RefusedEventException for the first event that does not apply
     */
    public LedgerState fold() {
      return snapshot.applyAll(tail);
    }
  }

  /**
   * Gives {@code draft} the next {@code seq}, stores it durably, and returns the stored event. When
   * this returns, a crash of the process or the machine does not lose the event; when it throws,
   * the event is not in the ledger and the next append gets the same seq.
   *
   * @throws AppendConflictException when another writer sharing the store appended that seq first
   *     (nothing is written; {@link #catchUp()}, decide again)
   */
  default AuditEvent append(AuditEventDraft draft) throws IOException {
    return appendAll(List.of(draft)).get(0);
  }

  /**
   * Gives the drafts the next {@code seq}s, in order, and stores them durably as one write: when
   * this returns, all of them survive a crash; when it throws, or the process dies before it
   * returns, none of them is in the ledger (never a prefix). Returns the stored events; an empty
   * list stores nothing. One config edit that changes many models is one such batch.
   *
   * @throws AppendConflictException as {@link #append} does, for the first of the seqs
   */
  List<AuditEvent> appendAll(List<AuditEventDraft> drafts) throws IOException;

  /**
   * Events other writers sharing the store appended after {@link #lastSeq()}, oldest first, which
   * {@link #lastSeq()} then includes. A store with one writer has none. Called by the one writer.
   */
  default List<AuditEvent> catchUp() throws IOException {
    return List.of();
  }

  /**
   * Events with {@code seq} greater than {@code afterSeq}, oldest first, at most {@code limit} of
   * them, of {@code model} and {@code alias} when those are not {@code null} (an alias filter
   * matches only alias moves).
   */
  List<AuditEvent> since(long afterSeq, int limit, String model, String alias) throws IOException;

  /** Every alias's breach runs as last saved; none for a new store. */
  List<BreachRuns> breachRuns() throws IOException;

  /**
   * Replaces the saved breach runs of one alias (empty runs remove them) durably, written by the
   * same one writer as the events.
   */
  void saveBreachRuns(BreachRuns runs) throws IOException;

  /** The seq of the last event this ledger knows of (read, appended or caught up on), 0 when there is none. */
  long lastSeq();

  @Override
  void close() throws IOException;
}
