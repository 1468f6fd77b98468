package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.slo.SloPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the SLO guard knows that must outlive the process (docs/operations.md: a restart inside a cooldown must
 * not roll back again), and how a restarted guard gets it back. Pure and immutable: the state store
 * feeds it, the guard reads it.
 *
 * <p><b>Cooldowns come from the ledger.</b> An alias's cooldown runs from the {@code time} of its
 * last {@code auto_rollback} event, so nothing is written for it beyond the event itself, and a
 * rollback that was decided but never recorded (an operator's change came first) starts none.
 *
 * <p><b>Breach runs are a checkpoint beside the ledger.</b> A failing evaluation that does not yet
 * roll back changes nothing in the registry, so it is not an audit event: the audit actions are a
 * public contract that webhook receivers and audit readers consume, and one event per failing
 * evaluation would bury the changes they are for. Nor is a run history: only the latest runs of an
 * alias matter. So the store keeps one {@link BreachRuns} per alias, replaced by the one writer
 * whenever the runs change (decide, save, then swap the guard's state); the file store keeps them
 * in a file beside its ledger, a PostgreSQL store in a table beside its events, under the same
 * rules, which all live here. Saved runs not newer than the alias's last {@code auto_rollback} are
 * spent: the rollback ended them.
 *
 * <p><b>Wall clock to ticker.</b> The ledger and the saved runs carry wall-clock instants; the
 * decider runs on a monotonic ticker whose origin is arbitrary and differs between processes. So
 * {@link #restore} maps an instant to the ticker by how long ago it was by the wall clock, read
 * once at restore time: {@code tickerNow - (wallNow - instant)}. From then on the ticker alone
 * measures the cooldown, and a later step of the wall clock cannot stretch or cut it. An instant
 * ahead of the wall clock (another replica's clock, or one stepped back) counts as now: a cooldown
 * then runs its full length rather than end early.
 *
 * <p>A saved run is evidence of the last {@code window} only: runs seen more than one
 * {@code window} before the restart are dropped, and the others wait up to one {@code window} for
 * the refilled windows to judge their version again (see {@link RolloutDecider}).
 */
public final class GuardMemory {
  public static final GuardMemory EMPTY = new GuardMemory(Map.of(), Map.of());

  private final Map<AliasKey, Instant> lastAutoRollback;
  private final Map<AliasKey, BreachRuns> runs;

  private record AliasKey(String model, String alias) {}

  private GuardMemory(Map<AliasKey, Instant> lastAutoRollback, Map<AliasKey, BreachRuns> runs) {
    this.lastAutoRollback = lastAutoRollback;
    this.runs = runs;
  }

  /**
   * The memory of a store: the events of its whole ledger, in order, and the breach runs it saved.
   */
  public static GuardMemory of(List<AuditEvent> events, List<BreachRuns> saved) {
    GuardMemory memory = EMPTY;
    for (BreachRuns runs : saved) {
      memory = memory.withRuns(runs);
    }
    for (AuditEvent event : events) {
      memory = memory.apply(event);
    }
    return memory;
  }

  /** This memory after {@code event}: an {@code auto_rollback} starts a cooldown and spends the alias's runs. */
  public GuardMemory apply(AuditEvent event) {
    requireNonNull(event, "event");
    if (event.action() != Action.AUTO_ROLLBACK) {
      return this;
    }
    AliasKey key = new AliasKey(event.model(), event.alias());
    Map<AliasKey, Instant> rollbacks = new HashMap<>(lastAutoRollback);
    rollbacks.put(key, event.time());
    Map<AliasKey, BreachRuns> remaining = runs;
    BreachRuns spent = runs.get(key);
    if (spent != null && !spent.seenAt().isAfter(event.time())) {
      remaining = new HashMap<>(runs);
      remaining.remove(key);
    }
    return new GuardMemory(Map.copyOf(rollbacks), Map.copyOf(remaining));
  }

  /** This memory with the alias's saved runs replaced; empty runs forget them. */
  public GuardMemory withRuns(BreachRuns saved) {
    requireNonNull(saved, "saved");
    AliasKey key = new AliasKey(saved.model(), saved.alias());
    Map<AliasKey, BreachRuns> next = new HashMap<>(runs);
    Instant rolledBack = lastAutoRollback.get(key);
    if (saved.runs().isEmpty() || (rolledBack != null && !saved.seenAt().isAfter(rolledBack))) {
      next.remove(key);
    } else {
      next.put(key, saved);
    }
    return new GuardMemory(lastAutoRollback, Map.copyOf(next));
  }

  /**
   * This memory with every alias's runs replaced by {@code saved}, the store's runs as of now: what a
   * replica that has just become its fleet's leader takes over from the one before it.
   */
  public GuardMemory withSavedRuns(List<BreachRuns> saved) {
    requireNonNull(saved, "saved");
    GuardMemory memory = new GuardMemory(lastAutoRollback, Map.of());
    for (BreachRuns runs : saved) {
      memory = memory.withRuns(runs);
    }
    return memory;
  }

  /** The time of the alias's last {@code auto_rollback}, or {@code null} for none. */
  public Instant lastAutoRollback(String model, String alias) {
    return lastAutoRollback.get(new AliasKey(model, alias));
  }

  /** The alias's saved runs, or {@code null} when it has none. */
  public BreachRuns runs(String model, String alias) {
    return runs.get(new AliasKey(model, alias));
  }

  /**
   * The decider's state for {@code alias} of {@code model} in a guard starting now.
   *
   * @param wallNow the wall clock now, the clock of the ledger's instants
   * @param tickerNow the decider's ticker now, read at the same moment
   * @throws IllegalArgumentException if the alias has no SLO policy
   */
  public RolloutState restore(String model, Alias alias, Instant wallNow, long tickerNow) {
    requireNonNull(alias, "alias");
    requireNonNull(wallNow, "wallNow");
    SloPolicy policy = alias.slo();
    if (policy == null) {
      throw new IllegalArgumentException("alias " + alias.name() + " has no slo policy to restore");
    }
    Instant rolledBack = lastAutoRollback(model, alias.name());
    if (rolledBack != null) {
      Duration since = elapsed(rolledBack, wallNow);
      if (since.compareTo(policy.cooldown()) < 0) {
        // Within the cooldown the decider keeps no runs anyway.
        return new RolloutState(Map.of(), tickerNow - since.toNanos());
      }
    }
    BreachRuns saved = runs(model, alias.name());
    if (saved == null || elapsed(saved.seenAt(), wallNow).compareTo(policy.window()) >= 0) {
      return RolloutState.INITIAL;
    }
    return new RolloutState(saved.runs(), null, tickerNow);
  }

  private static Duration elapsed(Instant then, Instant now) {
    Duration elapsed = Duration.between(then, now);
    return elapsed.isNegative() ? Duration.ZERO : elapsed;
  }
}
