package dev.modelgate.gateway.state;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.ledger.RegistryFold;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.BreachRuns;
import dev.modelgate.core.rollout.Delivery;
import dev.modelgate.core.rollout.GuardMemory;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The one writer of registry state. Every change — config file, admin API, SLO guard — runs on one
 * worker thread in order: decide the change against the current registry, fold it (the same fold
 * start-up replays, so the one validation path), build the routing table it gives, append the event
 * durably, and only then swap the table in. A change that cannot be folded or served is refused
 * before anything is written. The config file's changes to many models go through as one batch:
 * one fold, one table, one durable append, so declaring 10,000 models costs one table build and
 * one fsync, not 10,000 of each. Admin changes that arrive while the writer is busy are batched the
 * same way ({@link #submit}).
 *
 * <p>It also keeps the SLO guard's {@link GuardMemory}, folded from the same events and from the
 * breach runs the guard saves through it, so the guard's cooldowns and runs survive a restart.
 *
 * <p><b>In a fleet</b> other replicas append to the same ledger. An append decided on a registry
 * that another replica changed meanwhile fails ({@link AppendConflictException}); the plane then
 * folds what the others appended and decides the change again against that registry, a bounded
 * number of times, so checks such as {@code if_revision} hold fleet-wide. {@link #catchUp()} folds
 * their events when the store announces them. Events another replica wrote reach this replica's
 * routing and guard memory, not its listeners (webhooks read a fleet's events from the ledger themselves).
 *
 * <p><b>When the store cannot be reached</b> ({@link StateHealth}) routing goes on from the last table.
 * Changes are refused at once ({@link StateUnavailableException}), except those submitted with
 * {@link #submitOrHold}: the SLO guard's rollbacks are routed here at once and held, and written when
 * the store answers again — decided again against the ledger as it then stands, so a later change
 * of the alias made meanwhile elsewhere wins, and the held one is logged and dropped.
 *
 * <p><b>Snapshots.</b> Every {@value #SNAPSHOT_EVERY} events the plane saves what it has folded
 * from the ledger ({@link LedgerState}, held changes not included) as the ledger's snapshot, in a
 * task of its own queued on the writer, so the change that crossed the mark is answered first.
 * Start-up then folds that snapshot and the events after it instead of the whole history, however
 * long the ledger grows. Every replica of a fleet folds every event and may save one; a failed save
 * is a warning, the events being the truth.
 */
public final class ControlPlane {
  private static final Logger LOG = Logger.getLogger(ControlPlane.class.getName());
  static final String CONFIG_ACTOR = "config";
  // Each retry follows another replica's successful append, so running out takes sustained contention.
  private static final int MAX_ATTEMPTS = 10;
  /**
   * Events between snapshots: start-up folds at most about this many after the snapshot, a fraction
   * of a second; a snapshot costs one registry's JSON, written at most once per this many changes.
   */
  static final int SNAPSHOT_EVERY = 1_000;

  private final Ledger ledger;
  private final RoutingState routing;
  private final WorkerExecutor writer;
  private final Clock clock;
  private final List<Consumer<AuditEvent>> listeners = new ArrayList<>();
  // Written on the writer thread only.
  private volatile GuardMemory guardMemory = GuardMemory.EMPTY;
  // The fold of the ledger through its last seq (held changes not included); written on the writer thread only.
  private volatile LedgerState state = LedgerState.EMPTY;
  // The seq of the last snapshot saved or queued; writer thread only.
  private long snapshotSeq;
  private final AtomicBoolean catchUpQueued = new AtomicBoolean();
  // Set, on the writer thread, when another replica's event cannot be applied here; then nothing more is.
  private volatile String stuck;
  private final StateHealth health;
  // Writer thread only. While changes are held, routing shows them on top of this, the fold of the ledger through its last seq.
  private final List<Held> held = new ArrayList<>();
  private Registry recorded;
  // Changes submitted and not yet decided: the writer decides all that wait together (recordSubmitted).
  private final ConcurrentLinkedQueue<Submitted> submitted = new ConcurrentLinkedQueue<>();

  // A change given to submit and, once the writer has recorded it with those submitted beside it, its
  // outcome; the outcome fields are written and read on the writer thread only.
  private static final class Submitted {
    private final Function<Registry, AuditEventDraft> decide;
    private boolean done;
    private AuditEvent event;
    private Exception failure;

    private Submitted(Function<Registry, AuditEventDraft> decide) {
      this.decide = decide;
    }
  }

  // A change routed here while the store could not be reached; decide runs again when it is written.
  private record Held(String what, Function<Registry, AuditEventDraft> decide) {}

  /** What {@link #submitOrHold} did: recorded {@code event}, or routed it here and {@code held} it (its seq then provisional). */
  public record Applied(AuditEvent event, boolean held) {}

  private ControlPlane(Ledger ledger, RoutingState routing, WorkerExecutor writer, Clock clock) {
    this.ledger = ledger;
    this.routing = routing;
    this.writer = writer;
    this.clock = clock;
    this.health = new StateHealth(clock);
  }

  /**
   * Replays the ledger into {@code routing}, then records what the config file declares differently
   * from what it declared last time as {@code config} events — so a restart with an unchanged file
   * changes nothing, and a runtime change is never undone by it. Blocks: call it before serving.
   *
   * @param listeners told of every event once it is recorded and routed (webhooks), these start-up
   *     events included; they run on the writer thread in seq order, so they hand slow work off
   *
   * @throws IllegalStateException naming the problem when the ledger cannot be replayed
   * @throws IllegalArgumentException naming the problem when the file's changes cannot be applied
   *     (nothing is then written)
   */
  public static ControlPlane open(Ledger ledger, RoutingState routing, WorkerExecutor writer, Registry declared, Clock clock,
      List<Consumer<AuditEvent>> listeners) {
    requireNonNull(declared, "declared");
    ControlPlane plane = new ControlPlane(requireNonNull(ledger, "ledger"), requireNonNull(routing, "routing"),
        requireNonNull(writer, "writer"), requireNonNull(clock, "clock"));
    plane.listeners.addAll(listeners);
    try {
      Ledger.Replay replay = ledger.replay();
      LedgerState state = replay.fold();
      routing.install(routing.build(state.registry()));
      plane.state = state;
      plane.snapshotSeq = replay.snapshot().seq();
      // The last auto_rollback of each alias is all the history the guard's cooldowns need.
      plane.guardMemory = GuardMemory.of(state.autoRollbacks(), ledger.breachRuns());
    } catch (IOException e) {
      throw new UncheckedIOException("state: cannot read the ledger: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("state: the ledger cannot be applied: " + e.getMessage(), e);
    }
    try {
      plane.declareAgainstLatest(declared);
    } catch (IOException e) {
      throw new UncheckedIOException("state: cannot write the ledger: " + e.getMessage(), e);
    }
    plane.snapshotWhenDue();
    return plane;
  }

  /**
   * Records what the config file now declares differently from what it declared last time, as one
   * {@code config} event per changed model — all of them or, if any would be refused, none. Runs on
   * the writer thread: a hot reload of the file.
   *
   * <p>The file's {@code deliveries} (segments, shadows) live in the config rather than the ledger:
   * they route once the edit is taken, an edit of them alone reroutes too, and a refused edit keeps
   * the deliveries routed before.
   *
   * @return the number of events recorded; the future fails with the refusal, naming every problem
   */
  public Future<Integer> redeclare(Registry declared, Map<String, Map<String, Delivery>> deliveries) {
    requireNonNull(declared, "declared");
    requireNonNull(deliveries, "deliveries");
    return writer.executeBlocking(() -> {
      writeHeld();
      Map<String, Map<String, Delivery>> before = routing.table().deliveries();
      routing.declareDeliveries(deliveries);
      int changed;
      try {
        changed = declareAgainstLatest(declared);
      } catch (IOException | RuntimeException e) {
        routing.declareDeliveries(before);
        throw e;
      }
      if (routing.deliveriesChanged()) {
        routing.install(routing.build(routing.table().registry()));
      }
      return changed;
    });
  }

  // Replicas started with one file (or watching it) race to record it: the losers fold the winner's
  // events, and then find nothing, or only what is still missing, to declare.
  private int declareAgainstLatest(Registry declared) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return declare(state.declared(), declared);
      } catch (AppendConflictException e) {
        afterConflict(attempt, e);
      }
    }
  }

  // One config event per model whose declaration differs from the file's last one, checked together first.
  private int declare(Map<String, Model> lastDeclared, Registry declared) throws IOException {
    List<AuditEventDraft> drafts = new ArrayList<>();
    for (Model model : declared.models().values()) {
      Model before = lastDeclared.get(model.name());
      if (!Objects.equals(before, model)) {
        drafts.add(configDraft(model.name(), new Change.ModelDeclared(before, model)));
      }
    }
    for (Model before : lastDeclared.values()) {
      if (!declared.models().containsKey(before.name())) {
        drafts.add(configDraft(before.name(), new Change.ModelDeclared(before, null)));
      }
    }
    // An edit is applied whole or not at all: one fold, one table, one durable append of every change.
    recordAll(drafts);
    if (!drafts.isEmpty()) {
      LOG.info(() -> "config: recorded " + drafts.size() + " change(s) from the config file");
    }
    return drafts.size();
  }

  private AuditEventDraft configDraft(String model, Change.ModelDeclared change) {
    return new AuditEventDraft(clock.instant(), CONFIG_ACTOR, Action.CONFIG, model, null, change, "config file", Map.of());
  }

  /**
   * Decides and applies one change on the writer thread. {@code decide} sees the current registry
   * and returns the draft event, or {@code null} for nothing to do (then nothing is written).
   * The future fails with the refusal — an {@link IllegalArgumentException} subtype naming the
   * problem — when the change cannot be folded or served, and nothing is written then.
   *
   * <p>Changes submitted while the writer is busy are decided together when it gets to them: each
   * in submission order against the registry those before it leave, then recorded as one batch
   * (one table, one durable append), so a burst of N changes to a registry of 10,000 models costs
   * one table build, not N. A change refused, or decided to be nothing, does not hold the others back.
   */
  public Future<AuditEvent> submit(Function<Registry, AuditEventDraft> decide) {
    requireNonNull(decide, "decide");
    // Refused at once rather than after a timeout; the listener's and the poll's catch-ups find out when it is back.
    if (!health.available()) {
      return Future.failedFuture(health.refusal());
    }
    Submitted change = new Submitted(decide);
    submitted.add(change);
    // One writer task per change, so its future completes as before; the first to run records every change waiting.
    return writer.executeBlocking(() -> {
      if (!change.done) {
        recordSubmitted();
      }
      if (change.failure != null) {
        throw change.failure;
      }
      return change.event;
    });
  }

  // On the writer thread: decides every change waiting, in order, each against the registry the ones
  // before it leave, and records those that change something as one batch.
  private void recordSubmitted() {
    List<Submitted> batch = new ArrayList<>();
    for (Submitted next = submitted.poll(); next != null; next = submitted.poll()) {
      batch.add(next);
    }
    if (batch.size() == 1) {
      settleAlone(batch.get(0));
      return;
    }
    List<Submitted> toRecord = batch;
    try {
      writeHeld();
      for (int attempt = 1; ; attempt++) {
        Registry registry = routing.table().registry();
        long seq = ledger.lastSeq();
        List<AuditEventDraft> drafts = new ArrayList<>();
        toRecord = new ArrayList<>();
        for (Submitted change : batch) {
          change.failure = null;
          try {
            AuditEventDraft draft = change.decide.apply(registry);
            if (draft != null) {
              // The fold refuses a change here as recordAll would, naming the seq it would have had.
              registry = RegistryFold.apply(registry, draft.withSeq(seq + drafts.size() + 1));
              drafts.add(draft);
              toRecord.add(change);
            }
          } catch (RuntimeException e) {
            change.failure = e;
          }
        }
        try {
          List<AuditEvent> events = recordAll(drafts);
          for (int i = 0; i < events.size(); i++) {
            toRecord.get(i).event = events.get(i);
          }
          break;
        } catch (AppendConflictException e) {
          afterConflict(attempt, e);
        }
      }
    } catch (IllegalArgumentException e) {
      // The batch's table was refused (a backend key not set, say), and nothing written: each alone, so only its own refusal.
      batch.forEach(this::settleAlone);
      return;
    } catch (Exception e) {
      for (Submitted change : toRecord) {
        change.failure = change.failure == null ? e : change.failure;
      }
    }
    batch.forEach(change -> change.done = true);
  }

  private void settleAlone(Submitted change) {
    try {
      change.event = decideAndRecord(change.decide);
      change.failure = null;
    } catch (Exception e) {
      change.failure = e;
    }
    change.done = true;
  }

  /**
   * As {@link #submit}, for a change made of several events that apply together or not at all
   * (registry sync: a version registered and the alias moved to it): {@code decide} returns them in
   * order, or an empty list for nothing to do; they are folded, written and routed as one batch.
   */
  public Future<List<AuditEvent>> submitAll(Function<Registry, List<AuditEventDraft>> decide) {
    requireNonNull(decide, "decide");
    if (!health.available()) {
      return Future.failedFuture(health.refusal());
    }
    return writer.executeBlocking(() -> {
      writeHeld();
      for (int attempt = 1; ; attempt++) {
        List<AuditEventDraft> drafts = decide.apply(routing.table().registry());
        try {
          return recordAll(drafts);
        } catch (AppendConflictException e) {
          afterConflict(attempt, e);
        }
      }
    });
  }

  private AuditEvent decideAndRecord(Function<Registry, AuditEventDraft> decide) throws IOException {
    writeHeld();
    for (int attempt = 1; ; attempt++) {
      AuditEventDraft draft = decide.apply(routing.table().registry());
      if (draft == null) {
        return null;
      }
      try {
        return recordAll(List.of(draft)).get(0);
      } catch (AppendConflictException e) {
        afterConflict(attempt, e);
      }
    }
  }

  /**
   * As {@link #submit}, for a change that must take effect whether or not the store answers: when
   * it cannot be reached, the change is routed on this replica at once and held. Each catch-up then
   * tries to write what is held: {@code decide} runs again against the ledger as the fleet left it,
   * and what it returns is recorded; when it returns {@code null} (a later change of the alias came
   * first) nothing is, and that is logged. {@code decide} must therefore give the same change for
   * the same registry, whenever it runs. Completes with what was done, or {@code null} for nothing.
   */
  public Future<Applied> submitOrHold(String what, Function<Registry, AuditEventDraft> decide) {
    requireNonNull(what, "what");
    requireNonNull(decide, "decide");
    return writer.executeBlocking(() -> {
      if (health.available()) {
        try {
          AuditEvent event = decideAndRecord(decide);
          return event == null ? null : new Applied(event, false);
        } catch (StateUnavailableException e) {
          // Not acknowledged; if the append did commit, the catch-up folds it and the held copy finds the alias changed.
        }
      }
      Registry routed = routing.table().registry();
      AuditEventDraft draft = decide.apply(routed);
      if (draft == null) {
        return null;
      }
      if (held.isEmpty()) {
        recorded = routed;
      }
      held.add(new Held(what, decide));
      AuditEvent provisional = draft.withSeq(ledger.lastSeq() + held.size());
      routing.install(routing.build(RegistryFold.apply(routed, provisional)));
      LOG.warning(() -> what + " applied on this replica only, while the store cannot be reached; written when it is back");
      return new Applied(provisional, true);
    });
  }

  /** Whether this replica reaches its store, as its last call found. */
  public StateHealth health() {
    return health;
  }

  private void afterConflict(int attempt, AppendConflictException conflict) throws IOException {
    if (attempt >= MAX_ATTEMPTS) {
      throw new IOException("state: gave up after " + attempt + " attempts: other replicas appended first every time", conflict);
    }
    foldNew();
  }

  /**
   * Folds, on the writer thread, the events other replicas appended since this one last looked, and
   * swaps in the routing table they give. Calls made while one is queued join it, so a burst of
   * announcements costs one read.
   */
  public void catchUp() {
    if (!catchUpQueued.compareAndSet(false, true)) {
      return;
    }
    writer.executeBlocking(() -> {
      catchUpQueued.set(false);
      return foldNew();
    }).onFailure(e -> {
      // StateHealth warns once per outage; anything else is worth a line each time.
      if (!(e instanceof StateUnavailableException)) {
        LOG.warning("state: catching up with the ledger failed, retried on the next announcement or poll: " + e.getMessage());
      }
    });
  }

  /** The seq of the last event folded into the routing table. */
  public long foldedSeq() {
    return ledger.lastSeq();
  }

  // On the writer thread. Returns how many events were folded; then writes what is held.
  private int foldNew() throws IOException {
    if (stuck != null) {
      throw new IllegalStateException(stuck);
    }
    List<AuditEvent> events = store(ledger::catchUp);
    if (events.isEmpty()) {
      writeHeld();
      return 0;
    }
    LedgerState next;
    try {
      next = state.applyAll(events);
      if (held.isEmpty()) {
        routing.install(routing.build(next.registry()));
      } else {
        recorded = next.registry();
      }
    } catch (IllegalArgumentException e) {
      // The ledger has moved past these events; folding later ones on top of the gap would build a state nobody wrote.
      stuck = "state: seq " + events.get(0).seq() + " to " + events.get(events.size() - 1).seq() + ", written by another replica,"
          + " cannot be applied on this replica (" + e.getMessage() + "); it keeps routing on seq " + (events.get(0).seq() - 1)
          + " and refuses changes until it is restarted";
      LOG.severe(stuck);
      throw new IllegalStateException(stuck, e);
    }
    state = next;
    for (AuditEvent event : events) {
      guardMemory = guardMemory.apply(event);
    }
    writeHeld();
    snapshotWhenDue();
    return events.size();
  }

  // On the writer thread, with the ledger caught up: records what is held, in order, each decided
  // again on the ledger's state, then routes by the ledger (and what is still held, if the store went again).
  private void writeHeld() throws IOException {
    if (held.isEmpty()) {
      return;
    }
    try {
      while (!held.isEmpty()) {
        Held next = held.get(0);
        for (int attempt = 1; ; attempt++) {
          AuditEventDraft draft = next.decide().apply(recorded);
          if (draft == null) {
            LOG.warning(() -> next.what() + ", applied on this replica while the store could not be reached, is not written:"
                + " a later change of the alias came first, and stands");
            break;
          }
          try {
            AuditEvent event = store(() -> ledger.append(draft));
            state = state.applyAll(List.of(event));
            recorded = state.registry();
            tell(List.of(event));
            LOG.warning(() -> next.what() + ", applied on this replica while the store could not be reached, is written as seq " + event.seq());
            break;
          } catch (AppendConflictException e) {
            if (attempt >= MAX_ATTEMPTS) {
              throw new IOException("state: gave up writing " + next.what() + " after " + attempt + " attempts: other replicas appended first every time", e);
            }
            List<AuditEvent> events = store(ledger::catchUp);
            state = state.applyAll(events);
            recorded = state.registry();
            events.forEach(event -> guardMemory = guardMemory.apply(event));
          }
        }
        held.remove(0);
      }
    } finally {
      Registry routed = recorded;
      long seq = ledger.lastSeq();
      for (Held still : held) {
        AuditEventDraft draft = still.decide().apply(routed);
        if (draft != null) {
          routed = RegistryFold.apply(routed, draft.withSeq(++seq));
        }
      }
      routing.install(routing.build(routed));
      if (held.isEmpty()) {
        recorded = null;
      }
    }
  }

  // Every call to the store goes through here, so its health follows what the last call found.
  private <T> T store(StoreCall<T> call) throws IOException {
    try {
      T result = call.run();
      health.reached();
      return result;
    } catch (StateUnavailableException e) {
      health.lost(e);
      throw e;
    }
  }

  @FunctionalInterface
  private interface StoreCall<T> {
    T run() throws IOException;
  }

  // Folds the drafts as the events they become, builds their table once, appends them as one batch, then swaps and tells.
  private List<AuditEvent> recordAll(List<AuditEventDraft> drafts) throws IOException {
    if (stuck != null) {
      throw new IllegalStateException(stuck);
    }
    if (drafts.isEmpty()) {
      return List.of();
    }
    List<AuditEvent> numbered = new ArrayList<>(drafts.size());
    long seq = ledger.lastSeq();
    for (AuditEventDraft draft : drafts) {
      numbered.add(draft.withSeq(++seq));
    }
    LedgerState next = state.applyAll(numbered);
    // Held changes, if any, stay routed on top.
    RoutingTable table = routing.build(held.isEmpty() ? next.registry() : RegistryFold.applyAll(routing.table().registry(), numbered, state.declared()));
    List<AuditEvent> events = store(() -> ledger.appendAll(drafts));
    routing.install(table);
    state = next;
    tell(events);
    snapshotWhenDue();
    return events;
  }

  // On the writer thread (or in open, before it runs anything): queues a snapshot once enough events have followed the last.
  private void snapshotWhenDue() {
    if (state.seq() - snapshotSeq < SNAPSHOT_EVERY) {
      return;
    }
    snapshotSeq = state.seq();
    writer.executeBlocking(() -> {
      // Whatever was folded by the time the writer gets here: the ledger is at that seq too.
      LedgerState folded = state;
      ledger.saveSnapshot(folded);
      LOG.fine(() -> "state: saved a snapshot at seq " + folded.seq());
      return null;
    }).onFailure(e -> LOG.warning("state: could not save a snapshot of the ledger (" + e.getMessage()
        + "); start-up replays from the previous one, and the next is tried " + SNAPSHOT_EVERY + " events on"));
  }

  private void tell(List<AuditEvent> events) {
    for (AuditEvent event : events) {
      guardMemory = guardMemory.apply(event);
      for (Consumer<AuditEvent> listener : listeners) {
        listener.accept(event);
      }
    }
  }

  /**
   * Saves an alias's breach runs on the writer thread, after every change submitted before. The
   * future fails when the store cannot write them; the memory keeps the last runs saved.
   */
  public Future<Void> saveBreachRuns(BreachRuns runs) {
    requireNonNull(runs, "runs");
    return writer.executeBlocking(() -> {
      store(() -> {
        ledger.saveBreachRuns(runs);
        return null;
      });
      guardMemory = guardMemory.withRuns(runs);
      return null;
    });
  }

  /**
   * Brings the SLO guard's memory up to the store, on the writer thread: folds the events other
   * replicas appended (cooldowns from their {@code auto_rollback}s) and takes the breach runs the
   * fleet's previous leader saved. Called when this replica becomes the leader.
   */
  public Future<Void> takeOverGuard() {
    return writer.executeBlocking(() -> {
      foldNew();
      guardMemory = guardMemory.withSavedRuns(store(ledger::breachRuns));
      return null;
    });
  }

  /** What the SLO guard knows from the ledger and its saved runs, as of the last change written. */
  public GuardMemory guardMemory() {
    return guardMemory;
  }

  /** Events for the audit API; blocking, so run it off the event loop. */
  public Future<List<AuditEvent>> since(long afterSeq, int limit, String model, String alias) {
    if (!health.available()) {
      return Future.failedFuture(health.refusal());
    }
    return writer.executeBlocking(() -> store(() -> ledger.since(afterSeq, limit, model, alias)), false);
  }

  /** The wall clock events are stamped with. */
  public Clock clock() {
    return clock;
  }

  /** The ledger, for the owner to close once the writer has stopped. */
  public Ledger ledger() {
    return ledger;
  }
}
