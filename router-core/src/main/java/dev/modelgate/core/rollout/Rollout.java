package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One rollout of an alias to a candidate version: where it stands and what that means for routing.
 * Immutable; {@link RolloutMachine} makes each next one.
 *
 * <p>The plan is part of the rollout, fixed when it started: an edit of the alias's plan mid-way
 * applies to the next rollout, so a running one can never skip a step it was promised.
 *
 * @param version the candidate
 * @param from the alias's stable version when the rollout started, where a rollback returns
 * @param step the current step, 1-based; 0 before step 1 (the shadow and segment phases, or
 *     awaiting approval of step 1)
 * @param startedAt when the rollout started
 * @param enteredAt when it entered its current phase or step; the phase's least time runs from here
 * @param startedBy the actor who started it, for {@code require_distinct_approver}
 * @param breaches failing evaluations of the candidate's window in a row
 */
public record Rollout(
    String version,
    String from,
    RolloutPlan plan,
    RolloutStatus status,
    RolloutPhase phase,
    int step,
    Instant startedAt,
    Instant enteredAt,
    String startedBy,
    int breaches) {

  public Rollout {
    requireNonNull(version, "version");
    requireNonNull(from, "from");
    requireNonNull(plan, "plan");
    requireNonNull(status, "status");
    requireNonNull(phase, "phase");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(enteredAt, "enteredAt");
    requireNonNull(startedBy, "startedBy");
    if (version.equals(from)) {
      throw new IllegalArgumentException("version: " + version + " (expected: another version than from, " + from + ")");
    }
    if (step < 0 || step > plan.stepCount() || (phase != RolloutPhase.STEP && step != 0)) {
      throw new IllegalArgumentException("step: " + step + " in phase " + phase.wireName()
          + " (expected: 0 outside the step phase, else 0 to " + plan.stepCount() + ")");
    }
    if ((phase == RolloutPhase.SHADOW && plan.shadow() == null) || (phase == RolloutPhase.SEGMENT && plan.segmentFirst() == null)) {
      throw new IllegalArgumentException("phase: " + phase.wireName() + " (expected: a phase the plan has)");
    }
    if (breaches < 0) {
      throw new IllegalArgumentException("breaches: " + breaches + " (expected: 0 or more)");
    }
  }

  /** The candidate's percent of the alias's own traffic (the segment's and mirrored requests aside). */
  public int percent() {
    return switch (status) {
      case COMPLETED -> 100;
      case ABORTED, ROLLED_BACK -> 0;
      default -> plan.percentAt(step);
    };
  }

  /** When the current phase's least time is up, while the rollout can still advance by itself. */
  public Optional<Instant> nextAt() {
    return status == RolloutStatus.RUNNING ? Optional.of(enteredAt.plus(plan.duration(phase))) : Optional.empty();
  }

  /**
   * The alias's weights this rollout implies, {@code from} first; the other versions the alias had
   * are at 0 from the start, so the two shares always sum to 100.
   */
  public Map<String, Integer> weights() {
    Map<String, Integer> weights = new LinkedHashMap<>();
    weights.put(from, 100 - percent());
    weights.put(version, percent());
    return weights;
  }

  /** The alias's stable version this rollout implies: the candidate once completed. */
  public String stable() {
    return status == RolloutStatus.COMPLETED ? version : from;
  }

  /** The percent of the alias's requests also sent to the candidate and discarded. */
  public int mirrorPercent() {
    return !status.isTerminal() && phase == RolloutPhase.SHADOW ? plan.shadow().percent() : 0;
  }

  /**
   * The segment all of whose requests go to the candidate: {@code segment_first} from its phase on,
   * so the users moved first stay moved while the others follow step by step.
   */
  public Optional<String> candidateSegment() {
    boolean reached = phase == RolloutPhase.STEP || phase == RolloutPhase.SEGMENT;
    return !status.isTerminal() && reached ? Optional.ofNullable(plan.segmentFirst()) : Optional.empty();
  }

  Rollout with(RolloutStatus newStatus) {
    return new Rollout(version, from, plan, newStatus, phase, step, startedAt, enteredAt, startedBy, breaches);
  }

  Rollout withBreaches(int newBreaches) {
    return new Rollout(version, from, plan, status, phase, step, startedAt, enteredAt, startedBy, newBreaches);
  }

  Rollout entering(RolloutPhase newPhase, int newStep, Instant now) {
    return new Rollout(version, from, plan, RolloutStatus.RUNNING, newPhase, newStep, startedAt, now, startedBy, breaches);
  }
}
