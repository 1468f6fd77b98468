package dev.modelgate.gateway.state;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.ledger.RegistryFold;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.Registry;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The one writer of registry state. Every change — config file, admin API, SLO guard — runs on one
 * worker thread in order: decide the change against the current registry, fold it (the same fold
 * start-up replays, so the one validation path), build the routing table it gives, append the event
 * durably, and only then swap the table in. A change that cannot be folded or served is refused
 * before anything is written.
 */
public final class ControlPlane {
  private static final Logger LOG = Logger.getLogger(ControlPlane.class.getName());
  static final String CONFIG_ACTOR = "config";

  private final Ledger ledger;
  private final RoutingState routing;
  private final WorkerExecutor writer;
  private final Clock clock;
  private final List<Consumer<AuditEvent>> listeners = new CopyOnWriteArrayList<>();

  private ControlPlane(Ledger ledger, RoutingState routing, WorkerExecutor writer, Clock clock) {
    this.ledger = ledger;
    this.routing = routing;
    this.writer = writer;
    this.clock = clock;
  }

  /**
   * Replays the ledger into {@code routing}, then records what the config file declares differently
   * from what it declared last time as {@code config} events — so a restart with an unchanged file
   * changes nothing, and a runtime change is never undone by it. Blocks: call it before serving.
   * {@code listeners} are told of those events too, as {@link #addListener} describes.
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
    listeners.forEach(plane::addListener);
    List<AuditEvent> events;
    try {
      events = ledger.replay();
      routing.install(routing.build(RegistryFold.replay(events)));
    } catch (IOException e) {
      throw new UncheckedIOException("state: cannot read the ledger: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("state: the ledger cannot be applied: " + e.getMessage(), e);
    }
    try {
      plane.declare(RegistryFold.lastDeclared(events), declared);
    } catch (IOException e) {
      throw new UncheckedIOException("state: cannot write the ledger: " + e.getMessage(), e);
    }
    return plane;
  }

  // One config event per model whose declaration differs from the file's last one.
  private void declare(Map<String, Model> lastDeclared, Registry declared) throws IOException {
    List<Change.ModelDeclared> changes = new ArrayList<>();
    for (Model model : declared.models().values()) {
      Model before = lastDeclared.get(model.name());
      if (!Objects.equals(before, model)) {
        changes.add(new Change.ModelDeclared(before, model));
      }
    }
    for (Model before : lastDeclared.values()) {
      if (!declared.models().containsKey(before.name())) {
        changes.add(new Change.ModelDeclared(before, null));
      }
    }
    for (Change.ModelDeclared change : changes) {
      String model = change.after() != null ? change.after().name() : change.before().name();
      record(new AuditEventDraft(clock.instant(), CONFIG_ACTOR, Action.CONFIG, model, null, change, "config file", Map.of()));
    }
    if (!changes.isEmpty()) {
      LOG.info(() -> "config: recorded " + changes.size() + " change(s) from the config file");
    }
  }

  /**
   * Decides and applies one change on the writer thread. {@code decide} sees the current registry
   * and returns the draft event, or {@code null} for nothing to do (then nothing is written).
   * The future fails with the refusal — an {@link IllegalArgumentException} subtype naming the
   * problem — when the change cannot be folded or served, and nothing is written then.
   */
  public Future<AuditEvent> submit(Function<Registry, AuditEventDraft> decide) {
    return writer.executeBlocking(() -> {
      AuditEventDraft draft = decide.apply(routing.table().registry());
      return draft == null ? null : record(draft);
    });
  }

  private AuditEvent record(AuditEventDraft draft) throws IOException {
    Registry next = RegistryFold.apply(routing.table().registry(), draft.withSeq(ledger.lastSeq() + 1));
    RoutingTable table = routing.build(next);
    AuditEvent event = ledger.append(draft);
    routing.install(table);
    for (Consumer<AuditEvent> listener : listeners) {
      listener.accept(event);
    }
    return event;
  }

  /**
   * Tells {@code listener} of every event once it is recorded and routed (webhooks). It runs on the
   * writer thread, in seq order, so it must hand slow work off rather than do it.
   */
  public void addListener(Consumer<AuditEvent> listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /** Events for the audit API; blocking, so run it off the event loop. */
  public Future<List<AuditEvent>> since(long afterSeq, int limit, String model, String alias) {
    return writer.executeBlocking(() -> ledger.since(afterSeq, limit, model, alias), false);
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
