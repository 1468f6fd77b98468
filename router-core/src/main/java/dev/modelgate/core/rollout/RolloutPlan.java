package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Durations;
import dev.modelgate.core.Messages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * How an alias moves to a new version (docs/configuration.md#rollout): optional shadow and segment
 * phases, then the candidate's percent step by step, each step held at least {@code stepInterval}
 * and judged on at least {@code minRequests} of the candidate's requests.
 *
 * <p>Construction only copies; {@link #problems} is the one place the rules live, so the config
 * file and, later, the admin API report the same mistakes the same way.
 *
 * @param steps the candidate's percent at each step; valid plans ascend and end at 100
 * @param approvalBefore the steps (by percent) that wait for an operator's approval before they start
 * @param shadow the optional first phase, mirrored traffic only; {@code null} for none
 * @param segmentFirst the segment that gets the candidate before step 1, or {@code null} for none
 */
public record RolloutPlan(
    List<Integer> steps,
    Duration stepInterval,
    int minRequests,
    List<Integer> approvalBefore,
    ShadowPhase shadow,
    String segmentFirst) {

  public static final List<Integer> DEFAULT_STEPS = List.of(5, 25, 50, 100);
  public static final Duration DEFAULT_STEP_INTERVAL = Duration.ofMinutes(10);
  public static final int DEFAULT_MIN_REQUESTS = 200;

  private static final String STEPS_EXPECTED = "ascending percents from 1 to 100 ending at 100, e.g. [5, 25, 50, 100]";

  /**
   * A first phase in which the candidate gets a copy of {@code percent} % of the alias's requests
   * and serves none.
   *
   * @param duration the least time in the phase
   */
  public record ShadowPhase(int percent, Duration duration) {
    public ShadowPhase {
      requireNonNull(duration, "duration");
    }
  }

  public RolloutPlan {
    steps = List.copyOf(steps);
    requireNonNull(stepInterval, "stepInterval");
    approvalBefore = List.copyOf(approvalBefore);
  }

  /** How many steps there are; step numbers run from 1 to this. */
  public int stepCount() {
    return steps.size();
  }

  /** The candidate's percent at {@code step} (1-based); 0 before step 1. */
  public int percentAt(int step) {
    return step == 0 ? 0 : steps.get(step - 1);
  }

  /** Whether {@code step} (1-based) waits for an operator's approval before it starts. */
  public boolean needsApproval(int step) {
    return approvalBefore.contains(percentAt(step));
  }

  /** The least time a rollout stays in {@code phase}. */
  public Duration duration(RolloutPhase phase) {
    return phase == RolloutPhase.SHADOW ? shadow.duration() : stepInterval;
  }

  /**
   * Every problem with this plan, each as {@code key: what (expected: …)} with the config file's key
   * under {@code rollout}; empty when it is valid.
   *
   * @param segments the names of the alias's segments, which {@code segment_first} must be one of
   */
  public List<String> problems(Collection<String> segments) {
    List<String> problems = new ArrayList<>();
    if (steps.isEmpty()) {
      problems.add("steps: is empty (expected: " + STEPS_EXPECTED + ")");
    }
    boolean inRange = true;
    for (int i = 0; i < steps.size(); i++) {
      Integer percent = steps.get(i);
      if (percent < 1 || percent > 100) {
        problems.add("steps[" + i + "]: " + percent + " (expected: a percent from 1 to 100)");
        inRange = false;
      } else if (i > 0 && percent <= steps.get(i - 1)) {
        problems.add("steps[" + i + "]: " + percent + " after " + steps.get(i - 1) + " (expected: " + STEPS_EXPECTED + ")");
      }
    }
    // An out-of-range last step is already reported; "ends at 250" would restate it.
    if (!steps.isEmpty() && inRange && steps.get(steps.size() - 1) != 100) {
      problems.add("steps: " + steps + " ends at " + steps.get(steps.size() - 1) + " (expected: the last step at 100, where the candidate becomes stable)");
    }
    positive("step_interval", stepInterval, problems);
    if (minRequests < 1) {
      problems.add("min_requests: " + minRequests + " (expected: 1 or more)");
    }
    for (int i = 0; i < approvalBefore.size(); i++) {
      Integer percent = approvalBefore.get(i);
      if (!steps.contains(percent)) {
        problems.add("approval_before[" + i + "]: " + percent + " is not a step (expected: one of the steps " + steps + ")");
      } else if (approvalBefore.indexOf(percent) < i) {
        problems.add("approval_before[" + i + "]: " + percent + " is listed twice");
      }
    }
    if (shadow != null) {
      mirrorPercent("shadow.percent", shadow.percent(), problems);
      positive("shadow.duration", shadow.duration(), problems);
    }
    if (segmentFirst != null && !segments.contains(segmentFirst)) {
      problems.add("segment_first: names unknown segment " + Messages.quote(segmentFirst)
          + (segments.isEmpty() ? " (the alias has no segments)" : " (expected one of: " + String.join(", ", segments) + ")"));
    }
    return problems;
  }

  /** Shared with {@link Delivery.Shadow}: both mirror a share of the alias's requests. */
  static void mirrorPercent(String key, int percent, List<String> problems) {
    if (percent < 1 || percent > 100) {
      problems.add(key + ": " + percent + " (expected: a percent from 1 to 100 of the alias's requests to mirror)");
    }
  }

  private static void positive(String key, Duration d, List<String> problems) {
    if (d.isZero() || d.isNegative()) {
      problems.add(key + ": " + Durations.format(d) + " (expected: a positive duration such as 10m)");
    }
  }
}
