package dev.modelgate.gateway.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.rollout.GateFigures;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutMachine;
import dev.modelgate.core.rollout.RolloutOutcome;
import dev.modelgate.core.rollout.Stay;
import dev.modelgate.core.rollout.Transition;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.state.ControlPlane;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Drives the rollouts under way (docs/configuration.md#rollout): the {@link SloGuard}, on the
 * fleet's leader only, hands it each alias being rolled out at that alias's
 * {@code evaluation_interval}, with the versions' windows summed over the fleet; the driver judges
 * them with the pure {@link RolloutMachine} and submits a transition through the
 * {@link ControlPlane} as one {@code rollout_*} event carrying the rollout and the weights it implies.
 *
 * <p><b>Who owns a breach.</b> While an alias is being rolled out, the rollout owns its SLO: the
 * guard does not judge it, the machine does, with the guard's own rule ({@code breaches_to_revert}
 * failing windows in a row), and a breach ends the rollout {@code rolled_back} in one
 * {@code auto_rollback} event that carries the guard's evidence and the ended rollout. One decider
 * per alias, so a rollback is never written twice.
 *
 * <p><b>The gate's figures.</b> A phase is judged on a window that lies wholly within it: until the
 * phase is one SLO {@code window} old its figures count as none (inconclusive), so requests of the
 * step before never pass the step after. A phase therefore lasts at least the longer of
 * {@code step_interval} and the SLO {@code window}.
 *
 * <p><b>Shadow and segment phases.</b> The routing table gives the candidate no live request in the
 * shadow phase, only mirrored copies, and in the segment phase only the segment's requests (a
 * standing shadow of the candidate pauses meanwhile), so the candidate's window then holds exactly
 * what the phase is judged on, and the machine gates it like a step: {@code min_requests} of them,
 * for at least the phase's time.
 *
 * <p>The run of failing evaluations is kept in memory between transitions and written with each
 * one; a restart or a new leader resumes the step the ledger says, with the run it last recorded.
 */
public final class RolloutDriver {
  private static final Logger LOG = Logger.getLogger(RolloutDriver.class.getName());

  /** The actor of the transitions the driver decides by itself. */
  public static final String ACTOR = "rollout";

  private final ControlPlane controlPlane;
  private final GatewayMetrics metrics;
  // The rollout as last judged, its breach run included. An alias is judged again only once its
  // last evaluation's write is done (the guard's busy flag), so entries never race.
  private final Map<String, Rollout> judged = new ConcurrentHashMap<>();

  RolloutDriver(ControlPlane controlPlane, GatewayMetrics metrics) {
    this.controlPlane = requireNonNull(controlPlane, "controlPlane");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  /** Whether the alias is being rolled out, so its SLO is the rollout's to judge. */
  static boolean rollingOut(Alias alias) {
    return alias.rollout() != null && !alias.rollout().status().isTerminal();
  }

  /**
   * The gate's figures of {@code rollout} now from the versions' windows.
   *
   * @param windows each version's window of the alias: the fleet's sums on the leader
   */
  public static GateFigures figures(Rollout rollout, SloPolicy policy, Map<String, WindowSnapshot> windows, Instant now) {
    WindowSnapshot candidate = windows.getOrDefault(rollout.version(), WindowSnapshot.EMPTY);
    boolean windowInPhase = Duration.between(rollout.enteredAt(), now).compareTo(policy.window()) >= 0;
    return new GateFigures(windowInPhase ? candidate : WindowSnapshot.EMPTY, candidate,
        windows.getOrDefault(rollout.from(), WindowSnapshot.EMPTY));
  }

  /**
   * One evaluation of the alias's rollout; completes once what it decided is written.
   *
   * @param windows each version's window of the alias, summed over the fleet
   * @param evidence the {@code auto_rollback} evidence of a rollback decided on these windows
   */
  Future<Void> evaluate(Model model, Alias alias, Map<String, WindowSnapshot> windows, EvidenceWriter evidence) {
    String key = model.name() + '\u0000' + alias.name();
    Rollout recorded = alias.rollout();
    Rollout last = judged.get(key);
    Rollout rollout = last != null && samePosition(last, recorded) ? last : recorded;
    Instant now = controlPlane.clock().instant();
    RolloutOutcome outcome = RolloutMachine.evaluate(rollout, alias.slo(), figures(rollout, alias.slo(), windows, now), now);
    if (outcome instanceof Stay stay) {
      judged.put(key, stay.next());
      return Future.succeededFuture();
    }
    Transition transition = (Transition) outcome;
    Map<String, Object> written = transition.kind() == Transition.Kind.ROLLED_BACK ? evidence.write(transition) : Map.of();
    return controlPlane.submit(registry -> {
      Model current = registry.models().get(model.name());
      Alias live = current == null ? null : current.aliases().get(alias.name());
      // An operator moved the rollout since it was judged: their change stands, judge it afresh.
      if (live == null || live.revision() != alias.revision()) {
        return null;
      }
      return draft(controlPlane.clock().instant(), ACTOR, model.name(), alias.name(), AliasState.of(live), transition, null, written);
    }).<Void>map(event -> {
      judged.remove(key);
      if (event != null) {
        LOG.info(() -> event.action() + " " + model.name() + ":" + alias.name() + " (seq " + event.seq() + "): " + transition.reason());
        if (transition.kind() == Transition.Kind.ROLLED_BACK) {
          metrics.rollback(model.name(), alias.name(), "auto");
        }
      }
      return null;
    }).onFailure(e -> LOG.log(Level.SEVERE, "rollout of " + model.name() + ":" + alias.name() + " could not move", e));
  }

  /** The evidence an {@code auto_rollback} carries, written by the guard that gathered the windows. */
  interface EvidenceWriter {
    Map<String, Object> write(Transition rolledBack);
  }

  /**
   * The event that records {@code transition} of the alias now at {@code before}: the rollout and
   * the weights it implies, one revision on.
   *
   * @param reason the operator's reason, or {@code null} for what the machine says happened
   */
  public static AuditEventDraft draft(Instant time, String actor, String model, String alias, AliasState before, Transition transition,
      String reason, Map<String, Object> evidence) {
    return new AuditEventDraft(time, actor, Action.of(transition.kind()), model, alias,
        new Change.AliasChanged(before, before.with(transition.next())), reason != null ? reason : transition.reason(), evidence);
  }

  /** Forgets what it judged: a new leader starts from the ledger. */
  void forget() {
    judged.clear();
  }

  private static boolean samePosition(Rollout a, Rollout b) {
    return b != null && a.version().equals(b.version()) && a.startedAt().equals(b.startedAt()) && a.status() == b.status()
        && a.phase() == b.phase() && a.step() == b.step() && a.enteredAt().equals(b.enteredAt());
  }
}
