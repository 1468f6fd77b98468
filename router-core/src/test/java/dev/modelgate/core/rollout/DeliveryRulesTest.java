package dev.modelgate.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.registry.Segment;
import dev.modelgate.core.rollout.RolloutPlan.ShadowPhase;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Every rule of a plan, its segments and its shadow, each reported once with its key. */
class DeliveryRulesTest {
  private static final List<String> VERSIONS = List.of("v7", "v8", "v9");
  private static final Segment INTERNAL = new Segment("internal", new Segment.HeaderValues("x-user-tier", List.of("internal", "staff")));

  private static RolloutPlan plan(List<Integer> steps, List<Integer> approvalBefore) {
    return new RolloutPlan(steps, Duration.ofMinutes(10), 200, approvalBefore, null, null);
  }

  private static List<String> problems(RolloutPlan plan) {
    return new Delivery(plan, List.of(INTERNAL), null).problems(VERSIONS, true);
  }

  @Test
  void theDefaultPlanAndTheSpecsExampleAreValid() {
    RolloutPlan example = new RolloutPlan(List.of(5, 25, 50, 100), Duration.ofMinutes(10), 200, List.of(50),
        new ShadowPhase(10, Duration.ofMinutes(5)), "internal");
    assertThat(problems(example)).isEmpty();
    assertThat(problems(plan(RolloutPlan.DEFAULT_STEPS, List.of()))).isEmpty();
    assertThat(problems(plan(List.of(100), List.of(100)))).isEmpty();
  }

  @Test
  void refusesStepsThatDoNotAscend() {
    assertThat(problems(plan(List.of(5, 50, 25, 100), List.of())))
        .containsExactly("rollout.steps[2]: 25 after 50 (expected: ascending percents from 1 to 100 ending at 100, e.g. [5, 25, 50, 100])");
    assertThat(problems(plan(List.of(5, 5, 100), List.of())))
        .containsExactly("rollout.steps[1]: 5 after 5 (expected: ascending percents from 1 to 100 ending at 100, e.g. [5, 25, 50, 100])");
  }

  @Test
  void refusesStepsThatDoNotEndAt100() {
    assertThat(problems(plan(List.of(5, 25, 50), List.of())))
        .containsExactly("rollout.steps: [5, 25, 50] ends at 50 (expected: the last step at 100, where the candidate becomes stable)");
  }

  @Test
  void refusesEmptyStepsAndPercentsOutOfRangeOnce() {
    assertThat(problems(plan(List.of(), List.of())))
        .containsExactly("rollout.steps: is empty (expected: ascending percents from 1 to 100 ending at 100, e.g. [5, 25, 50, 100])");
    assertThat(problems(plan(List.of(0, 50, 150), List.of())))
        .containsExactly("rollout.steps[0]: 0 (expected: a percent from 1 to 100)", "rollout.steps[2]: 150 (expected: a percent from 1 to 100)");
  }

  @Test
  void refusesAnApprovalBeforeAStepThatIsNotInSteps() {
    assertThat(problems(plan(List.of(5, 25, 50, 100), List.of(50, 30, 50))))
        .containsExactly(
            "rollout.approval_before[1]: 30 is not a step (expected: one of the steps [5, 25, 50, 100])",
            "rollout.approval_before[2]: 50 is listed twice");
  }

  @Test
  void refusesNonPositiveTimesAndCounts() {
    RolloutPlan plan = new RolloutPlan(List.of(100), Duration.ZERO, 0, List.of(), new ShadowPhase(0, Duration.ofSeconds(-1)), null);
    assertThat(problems(plan)).containsExactly(
        "rollout.step_interval: 0s (expected: a positive duration such as 10m)",
        "rollout.min_requests: 0 (expected: 1 or more)",
        "rollout.shadow.percent: 0 (expected: a percent from 1 to 100 of the alias's requests to mirror)",
        "rollout.shadow.duration: -1s (expected: a positive duration such as 10m)");
  }

  @Test
  void refusesASegmentFirstThatNamesNoSegment() {
    RolloutPlan plan = new RolloutPlan(List.of(100), Duration.ofMinutes(1), 1, List.of(), null, "interal");
    assertThat(problems(plan)).containsExactly("rollout.segment_first: names unknown segment 'interal' (expected one of: internal)");
    assertThat(new Delivery(plan, List.of(), null).problems(VERSIONS, true))
        .containsExactly("rollout.segment_first: names unknown segment 'interal' (the alias has no segments)");
  }

  @Test
  void aRolloutNeedsAnSloToJudgeItsSteps() {
    assertThat(new Delivery(plan(List.of(100), List.of()), List.of(), null).problems(VERSIONS, false)).containsExactly(
        "rollout: needs the alias's slo, which judges every step (expected: an slo mapping beside it; slo: {} takes the defaults)");
  }

  @Test
  void reportsEachSegmentProblemUnderItsName() {
    List<Segment> segments = List.of(
        new Segment("bad name", new Segment.HeaderValues("x user", List.of("a", "", "a"))),
        new Segment("none", new Segment.HeaderValues("x-tier", List.of())),
        new Segment("staff", new Segment.BodyPrefix("", "")));

    assertThat(new Delivery(null, segments, null).problems(VERSIONS, false)).containsExactly(
        "segments.bad name: segment has the character U+0020 (expected: A-Z a-z 0-9 . _ -)",
        "segments.bad name.header: 'x user' is not a header name (expected: letters, digits, - _ ., e.g. x-user-tier)",
        "segments.bad name.values[1]: is empty (expected: a header value, e.g. internal)",
        "segments.bad name.values[2]: 'a' is listed twice",
        "segments.none.values: is empty (expected: the header values that belong to the segment, e.g. [internal, staff])",
        "segments.staff.body: '' is not a field name (expected: a top-level field of the JSON body, e.g. user)",
        "segments.staff.prefix: is empty (expected: the start of the field's value, e.g. emp-)");
  }

  @Test
  void aShadowMustNameAVersionAndAPercent() {
    assertThat(new Delivery(null, List.of(), new Delivery.Shadow("v10", 101)).problems(VERSIONS, false)).containsExactly(
        "shadow.version: names unknown version 'v10' (expected one of: v7, v8, v9)",
        "shadow.percent: 101 (expected: a percent from 1 to 100 of the alias's requests to mirror)");
    assertThat(new Delivery(null, List.of(), new Delivery.Shadow("v9", 100)).problems(VERSIONS, false)).isEmpty();
  }

  @Property
  void stepsAreValidExactlyWhenTheyAscendWithinRangeToOneHundred(@ForAll @Size(max = 6) List<@IntRange(min = -5, max = 105) Integer> steps) {
    boolean ascending = true;
    for (int i = 0; i < steps.size(); i++) {
      ascending &= steps.get(i) >= 1 && steps.get(i) <= 100 && (i == 0 || steps.get(i) > steps.get(i - 1));
    }
    boolean valid = !steps.isEmpty() && ascending && steps.get(steps.size() - 1) == 100;

    List<String> problems = problems(plan(steps, List.of()));

    assertThat(problems.isEmpty()).as("%s: %s", steps, problems).isEqualTo(valid);
    assertThat(problems).allSatisfy(problem -> assertThat(problem).startsWith("rollout.steps"));
  }

  @Test
  void noDeliveryHasNoProblems() {
    assertThat(Delivery.NONE.problems(List.of(), false)).isEmpty();
    assertThat(Delivery.NONE.matcher().isEmpty()).isTrue();
  }
}
