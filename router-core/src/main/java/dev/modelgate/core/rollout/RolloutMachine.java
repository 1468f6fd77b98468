package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Durations;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The rollout state machine (docs/configuration.md#rollout): pure functions from a {@link Rollout},
 * the gate's figures or an operator's command, and the time, to a {@link Transition}, a {@link Stay}
 * or a {@link Refusal}. The driver applies a transition's weights, records its audit event, and keeps
 * the next rollout; it calls {@link #evaluate} once per {@code evaluation_interval}.
 *
 * <p>The phases run shadow → segment → step 1 … step n → completed, each optional phase only when
 * the plan has it, and never out of order: every advance moves to the next position, and a step in
 * {@code approval_before} is entered only by {@link #approve}.
 *
 * <p>The gate, each evaluation:
 * <ul>
 *   <li><b>fail</b>: the candidate's window breaches the alias's SLO policy exactly as the SLO guard
 *       judges it ({@link RolloutDecider#breached}, with {@code relative_to_stable} against
 *       {@code from}), or its figures over the phase are over a limit. Only window breaches count
 *       towards {@code breaches_to_revert}; that many in a row roll the rollout back, in any state
 *       but a terminal one: a pause or a pending approval stops promotion, never protection.
 *   <li><b>inconclusive</b>: fewer than {@code min_requests} of the candidate's requests in the
 *       phase, or less than the phase's least time: the phase holds. Silence never promotes.
 *   <li><b>pass</b>: neither; a running rollout advances.
 * </ul>
 * A pause does not stop a phase's clock: the step keeps its weights and keeps being measured, so a
 * resumed step that has had its time and passes moves on at the next evaluation.
 */
public final class RolloutMachine {

  private RolloutMachine() {}

  /** Where a rollout can be: a phase and, in the step phase, a step. */
  private record Position(RolloutPhase phase, int step) {}

  /**
   * Starts rolling the alias out to {@code version}.
   *
   * @param current the alias's latest rollout, or {@code null} for none; a live one refuses the start
   * @param from the alias's stable version now
   * @param actor who starts it
   */
  public static RolloutOutcome start(Rollout current, RolloutPlan plan, String version, String from, String actor, Instant now) {
    requireNonNull(plan, "plan");
    requireNonNull(version, "version");
    requireNonNull(from, "from");
    requireNonNull(actor, "actor");
    requireNonNull(now, "now");
    if (current != null && !current.status().isTerminal()) {
      return new Refusal("a rollout of " + current.version() + " is " + current.status().wireName()
          + " on this alias (expected: abort it before starting another)");
    }
    if (version.equals(from)) {
      return new Refusal(version + " is the stable version already (expected: another version to roll out)");
    }
    Position first = plan.shadow() != null ? new Position(RolloutPhase.SHADOW, 0)
        : plan.segmentFirst() != null ? new Position(RolloutPhase.SEGMENT, 0)
        : new Position(RolloutPhase.STEP, 1);
    Rollout started;
    if (first.phase() == RolloutPhase.STEP && plan.needsApproval(1)) {
      started = new Rollout(version, from, plan, RolloutStatus.AWAITING_APPROVAL, RolloutPhase.STEP, 0, now, now, actor, 0);
    } else {
      started = new Rollout(version, from, plan, RolloutStatus.RUNNING, first.phase(), first.step(), now, now, actor, 0);
    }
    String reason = "started rolling out " + version + " from " + from + ": " + (started.status() == RolloutStatus.AWAITING_APPROVAL
        ? "step 1 (" + plan.percentAt(1) + " %) waits for approval" : describe(started));
    return new Transition(Transition.Kind.STARTED, started, reason, List.of());
  }

  /**
   * One evaluation of the gate.
   *
   * @param policy the alias's SLO policy, the limits of the gate
   */
  public static RolloutOutcome evaluate(Rollout rollout, SloPolicy policy, GateFigures figures, Instant now) {
    requireNonNull(rollout, "rollout");
    requireNonNull(policy, "policy");
    requireNonNull(figures, "figures");
    requireNonNull(now, "now");
    Set<Rule> breached = windowBreaches(policy, figures);
    if (rollout.status().isTerminal()) {
      return new Stay(rollout, verdict(rollout, policy, figures, now, breached), "the rollout is " + rollout.status().wireName() + ": nothing moves it");
    }
    int run = breached.isEmpty() ? 0 : rollout.breaches() + 1;
    Rollout judged = rollout.withBreaches(run);
    if (run >= policy.breachesToRevert()) {
      Evidence evidence = new Evidence(rollout.version(), figures.window(), rollout.from(), figures.fromWindow(), policy, breached, run);
      String reason = rollout.version() + " breached " + rules(breached) + " " + run + " evaluations in a row at " + describe(rollout)
          + ": " + figures(figures.window()) + "; " + rollout.from() + " has 100 % again";
      return new Transition(Transition.Kind.ROLLED_BACK, judged.with(RolloutStatus.ROLLED_BACK), reason, List.of(evidence));
    }
    Verdict verdict = verdict(rollout, policy, figures, now, breached);
    if (verdict == Verdict.PASS && rollout.status() == RolloutStatus.RUNNING) {
      return advance(judged, describe(rollout) + " passed: " + figures(figures.phase()) + " over " + shown(elapsed(rollout, now)), now);
    }
    return new Stay(judged, verdict, holdReason(judged, policy, figures, now, verdict, breached));
  }

  /** The gate's verdict on {@code figures} now, for the status view; {@link #evaluate} acts on the same. */
  public static Verdict verdict(Rollout rollout, SloPolicy policy, GateFigures figures, Instant now) {
    requireNonNull(rollout, "rollout");
    requireNonNull(policy, "policy");
    requireNonNull(figures, "figures");
    requireNonNull(now, "now");
    return verdict(rollout, policy, figures, now, windowBreaches(policy, figures));
  }

  /** An operator holds the rollout at its step. */
  public static RolloutOutcome pause(Rollout rollout) {
    requireNonNull(rollout, "rollout");
    return switch (rollout.status()) {
      case RUNNING -> new Transition(Transition.Kind.PAUSED, rollout.with(RolloutStatus.PAUSED), "paused at " + describe(rollout), List.of());
      case PAUSED -> new Refusal("the rollout of " + rollout.version() + " is paused already (expected: resume or abort it)");
      case AWAITING_APPROVAL -> new Refusal("the rollout of " + rollout.version() + " waits for approval already, which holds it"
          + " (expected: approve or abort it)");
      default -> ended(rollout);
    };
  }

  /** An operator lets a paused rollout go on. */
  public static RolloutOutcome resume(Rollout rollout) {
    requireNonNull(rollout, "rollout");
    if (rollout.status() == RolloutStatus.PAUSED) {
      return new Transition(Transition.Kind.RESUMED, rollout.with(RolloutStatus.RUNNING), "resumed at " + describe(rollout), List.of());
    }
    return rollout.status().isTerminal() ? ended(rollout)
        : new Refusal("the rollout of " + rollout.version() + " is " + rollout.status().wireName() + ", not paused (expected: a paused rollout)");
  }

  /**
   * An operator approves the step the rollout waits for, which starts at once.
   *
   * @param approver the approving actor
   * @param requireDistinctApprover whether the actor who started the rollout is refused
   */
  public static RolloutOutcome approve(Rollout rollout, String approver, boolean requireDistinctApprover, Instant now) {
    requireNonNull(rollout, "rollout");
    requireNonNull(approver, "approver");
    requireNonNull(now, "now");
    if (rollout.status() != RolloutStatus.AWAITING_APPROVAL) {
      return rollout.status().isTerminal() ? ended(rollout)
          : new Refusal("the rollout of " + rollout.version() + " is " + rollout.status().wireName()
              + ", not awaiting approval (expected: a rollout whose next step waits for approval)");
    }
    if (requireDistinctApprover && approver.equals(rollout.startedBy())) {
      return new Refusal(approver + " started this rollout and may not approve it too"
          + " (expected: another token's name, since auth.require_distinct_approver is true)");
    }
    Position next = next(rollout);
    Rollout approved = rollout.entering(next.phase(), next.step(), now);
    return new Transition(Transition.Kind.APPROVED, approved, "approved: now at " + describe(approved), List.of());
  }

  /** An operator stops the rollout; {@code from} gets 100 % again. */
  public static RolloutOutcome abort(Rollout rollout) {
    requireNonNull(rollout, "rollout");
    if (rollout.status().isTerminal()) {
      return ended(rollout);
    }
    return new Transition(Transition.Kind.ABORTED, rollout.with(RolloutStatus.ABORTED),
        "aborted at " + describe(rollout) + "; " + rollout.from() + " has 100 % again", List.of());
  }

  private static RolloutOutcome advance(Rollout passed, String reason, Instant now) {
    Position next = next(passed);
    if (next == null) {
      return new Transition(Transition.Kind.COMPLETED, passed.with(RolloutStatus.COMPLETED), reason + "; " + passed.version() + " is stable", List.of());
    }
    if (next.phase() == RolloutPhase.STEP && passed.plan().needsApproval(next.step())) {
      return new Transition(Transition.Kind.AWAITING_APPROVAL, passed.with(RolloutStatus.AWAITING_APPROVAL),
          reason + "; step " + next.step() + " (" + passed.plan().percentAt(next.step()) + " %) waits for approval", List.of());
    }
    Rollout advanced = passed.entering(next.phase(), next.step(), now);
    return new Transition(Transition.Kind.ADVANCED, advanced, reason + "; now at " + describe(advanced), List.of());
  }

  /** The position after the rollout's current one, or {@code null} after the last step. */
  private static Position next(Rollout rollout) {
    RolloutPlan plan = rollout.plan();
    return switch (rollout.phase()) {
      case SHADOW -> plan.segmentFirst() != null ? new Position(RolloutPhase.SEGMENT, 0) : new Position(RolloutPhase.STEP, 1);
      case SEGMENT -> new Position(RolloutPhase.STEP, 1);
      case STEP -> rollout.step() < plan.stepCount() ? new Position(RolloutPhase.STEP, rollout.step() + 1) : null;
    };
  }

  private static Set<Rule> windowBreaches(SloPolicy policy, GateFigures figures) {
    return figures.window().requests() >= policy.minRequests() ? RolloutDecider.breached(policy, figures.window(), figures.fromWindow()) : Set.of();
  }

  private static Verdict verdict(Rollout rollout, SloPolicy policy, GateFigures figures, Instant now, Set<Rule> windowBreaches) {
    WindowSnapshot phase = figures.phase();
    if (!windowBreaches.isEmpty() || (phase.requests() >= rollout.plan().minRequests() && !phaseBreaches(policy, phase).isEmpty())) {
      return Verdict.FAIL;
    }
    if (phase.requests() < rollout.plan().minRequests() || elapsed(rollout, now).compareTo(rollout.plan().duration(rollout.phase())) < 0) {
      return Verdict.INCONCLUSIVE;
    }
    return Verdict.PASS;
  }

  /** The absolute limits over the whole phase: a shared outage does not excuse promoting. */
  private static Set<Rule> phaseBreaches(SloPolicy policy, WindowSnapshot phase) {
    return RolloutDecider.breached(policy, phase, WindowSnapshot.EMPTY);
  }

  private static String holdReason(Rollout rollout, SloPolicy policy, GateFigures figures, Instant now, Verdict verdict, Set<Rule> breached) {
    String at = describe(rollout);
    RolloutPlan plan = rollout.plan();
    if (verdict == Verdict.FAIL) {
      return breached.isEmpty()
          ? "holding at " + at + ": over the phase " + figures(figures.phase()) + " is over " + rules(phaseBreaches(policy, figures.phase()))
          : "holding at " + at + ": the window breaches " + rules(breached) + " (" + figures(figures.window()) + "), evaluation "
              + rollout.breaches() + " of " + policy.breachesToRevert() + " before a rollback";
    }
    if (rollout.status() == RolloutStatus.PAUSED) {
      return "paused at " + at;
    }
    if (rollout.status() == RolloutStatus.AWAITING_APPROVAL) {
      Position next = next(rollout);
      return "step " + next.step() + " (" + plan.percentAt(next.step()) + " %) waits for approval";
    }
    if (figures.phase().requests() < plan.minRequests()) {
      return "holding at " + at + ": " + figures.phase().requests() + " of the " + plan.minRequests() + " requests the gate needs";
    }
    return "holding at " + at + ": passing, " + shown(elapsed(rollout, now)) + " of its least " + Durations.format(plan.duration(rollout.phase()));
  }

  private static Duration elapsed(Rollout rollout, Instant now) {
    Duration elapsed = Duration.between(rollout.enteredAt(), now);
    return elapsed.isNegative() ? Duration.ZERO : elapsed;
  }

  private static Refusal ended(Rollout rollout) {
    return new Refusal("the rollout of " + rollout.version() + " is " + rollout.status().wireName() + " (expected: a rollout in progress)");
  }

  private static String describe(Rollout rollout) {
    return switch (rollout.phase()) {
      case SHADOW -> "the shadow phase (" + rollout.plan().shadow().percent() + " % mirrored)";
      case SEGMENT -> "the segment phase (" + rollout.plan().segmentFirst() + ")";
      case STEP -> rollout.step() == 0 ? "the start" : "step " + rollout.step() + " (" + rollout.plan().percentAt(rollout.step()) + " %)";
    };
  }

  private static String figures(WindowSnapshot window) {
    return String.format(Locale.ROOT, "%d requests, error rate %.4f, p99 %s", window.requests(), window.errorRate(), shown(window.p99()));
  }

  // Measured times to the millisecond: nanoseconds in an audit reason are noise.
  private static String shown(Duration measured) {
    return Durations.format(measured.truncatedTo(ChronoUnit.MILLIS));
  }

  private static String rules(Set<Rule> rules) {
    StringBuilder out = new StringBuilder();
    for (Rule rule : rules) {
      out.append(out.length() == 0 ? "" : " and ").append(rule == Rule.ERROR_RATE ? "max_error_rate" : "max_p99_latency");
    }
    return out.toString();
  }
}
