package dev.modelgate.gateway.config;

import static dev.modelgate.gateway.config.ConfigLoaderTest.problemsOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.core.registry.Segment;
import dev.modelgate.core.rollout.Delivery;
import dev.modelgate.core.rollout.RolloutPlan;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An alias's rollout, segments and shadow: read into records, every mistake named with its path. */
class DeliveryConfigTest {
  private static final String ALIAS = "models.support-agent.aliases.production.";

  /** Three versions and an alias with an SLO policy; {@code keys} are added to the alias. */
  private static String withAliasKeys(String keys) {
    return """
        models:
          support-agent:
            versions:
              v7: {artifact: a://7, served_model: sa, endpoints: [http://127.0.0.1:9001]}
              v8: {artifact: a://8, served_model: sa, endpoints: [http://127.0.0.1:9002]}
              v9: {artifact: a://9, served_model: sa, endpoints: [http://127.0.0.1:9003]}
            aliases:
              production:
                weights: {v7: 100}
                slo: {}
        """ + keys.indent(8);
  }

  private static RegistryReader.Read read(String yaml) {
    Problems problems = new Problems();
    JsonNode root = YamlTree.read(yaml, problems);
    RegistryReader.Read read = RegistryReader.read(Fields.of(root, "", "a mapping", problems));
    assertThat(problems.list()).isEmpty();
    return read;
  }

  @Test
  void readsTheSpecsExampleWhole() throws ConfigException {
    String yaml = withAliasKeys("""
        rollout:
          steps: [5, 25, 50, 100]
          step_interval: 10m
          min_requests: 200
          approval_before: [50]
          shadow: {percent: 10, duration: 5m}
          segment_first: internal
        segments:
          internal: {header: X-User-Tier, values: [internal, staff]}
          employees: {body: user, prefix: "emp-"}
        shadow: {version: v8, percent: 5}
        """);

    Delivery delivery = read(yaml).delivery("support-agent", "production");

    assertThat(delivery.rollout()).isEqualTo(new RolloutPlan(List.of(5, 25, 50, 100), Duration.ofMinutes(10), 200, List.of(50),
        new RolloutPlan.ShadowPhase(10, Duration.ofMinutes(5)), "internal"));
    assertThat(delivery.segments()).containsExactly(
        new Segment("internal", new Segment.HeaderValues("x-user-tier", List.of("internal", "staff"))),
        new Segment("employees", new Segment.BodyPrefix("user", "emp-")));
    assertThat(delivery.shadow()).isEqualTo(new Delivery.Shadow("v8", 5));
    // The whole file is also a valid config.
    assertThat(ConfigLoader.parse(yaml, "test.yaml").registry().models()).containsKey("support-agent");
  }

  @Test
  void anEmptyRolloutTakesTheDefaultsAndAShadowPhaseLastsAStepIntervalUnlessTold() {
    RolloutPlan plan = read(withAliasKeys("rollout: {step_interval: 2m, shadow: {percent: 1}}")).delivery("support-agent", "production").rollout();

    assertThat(plan.steps()).isEqualTo(RolloutPlan.DEFAULT_STEPS);
    assertThat(plan.minRequests()).isEqualTo(RolloutPlan.DEFAULT_MIN_REQUESTS);
    assertThat(plan.approvalBefore()).isEmpty();
    assertThat(plan.shadow()).isEqualTo(new RolloutPlan.ShadowPhase(1, Duration.ofMinutes(2)));
    assertThat(plan.segmentFirst()).isNull();
    assertThat(read(withAliasKeys("rollout: {}")).delivery("support-agent", "production").rollout())
        .isEqualTo(new RolloutPlan(RolloutPlan.DEFAULT_STEPS, RolloutPlan.DEFAULT_STEP_INTERVAL, 200, List.of(), null, null));
  }

  @Test
  void anAliasThatDeclaresNoneOfThemHasNoDelivery() {
    RegistryReader.Read read = read(withAliasKeys("segments: {}\nshadow: null"));

    assertThat(read.deliveries()).isEmpty();
    assertThat(read.delivery("support-agent", "production")).isSameAs(Delivery.NONE);
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
    "rollout: {steps: [5, 50, 25, 100]}           | rollout.steps[2]: 25 after 50 (expected: ascending percents from 1 to 100 ending at 100, e.g. [5, 25, 50, 100])",
    "rollout: {steps: [5, 25, 50]}                | rollout.steps: [5, 25, 50] ends at 50 (expected: the last step at 100, where the candidate becomes stable)",
    "rollout: {steps: []}                         | rollout.steps: is empty (expected: ascending percents from 1 to 100 ending at 100, e.g. [5, 25, 50, 100])",
    "rollout: {steps: [0, 100]}                   | rollout.steps[0]: 0 (expected: a percent from 1 to 100)",
    "rollout: {steps: [5, x, 100]}                | rollout.steps[1]: 'x' (expected: an integer percent, e.g. 25)",
    "rollout: {steps: [5, '25', 100]}             | rollout.steps[1]: '25' (expected: an integer percent, e.g. 25, without quotes)",
    "rollout: {steps: 100}                        | rollout.steps: 100 (expected: a list, e.g. [5, 25, 50, 100])",
    "rollout: {approval_before: [30]}             | rollout.approval_before[0]: 30 is not a step (expected: one of the steps [5, 25, 50, 100])",
    "rollout: {step_interval: 0s}                 | rollout.step_interval: 0s (expected: a positive duration such as 10m)",
    "rollout: {step_interval: soon}               | rollout.step_interval: 'soon' is not a duration (expected: a number and a unit (ms, s, m or h), e.g. 250ms, 5s, 1.5m or 1h30m)",
    "rollout: {min_requests: 0}                   | rollout.min_requests: 0 (expected: 1 or more)",
    "rollout: {segment_first: internal}           | rollout.segment_first: names unknown segment 'internal' (the alias has no segments)",
    "rollout: {shadow: {duration: 1m}}            | rollout.shadow.percent: missing (expected: the percent of the alias's requests to mirror, e.g. 10)",
    "rollout: {shadow: {percent: 0}}              | rollout.shadow.percent: 0 (expected: a percent from 1 to 100 of the alias's requests to mirror)",
    "rollout: {stesp: [5, 100]}                   | rollout.stesp: unknown key (did you mean 'steps'?)",
    "rollout: [5, 100]                            | rollout: a list (expected: a mapping such as {steps: [5, 25, 50, 100], step_interval: 10m, min_requests: 200})",
    "segments: {internal: {header: x-tier}}       | segments.internal.values: missing (expected: the header values that belong to the segment, e.g. [internal, staff])",
    "segments: {internal: {body: user}}           | segments.internal.prefix: missing (expected: the start of the field's value, e.g. emp-)",
    "segments: {internal: {values: [a]}}          | segments.internal: matches no request (expected: a mapping such as {header: x-user-tier, values: [internal, staff]} or {body: user, prefix: emp-})",
    "segments: {internal: {header: a, body: b}}   | segments.internal: has both header and body (expected: one of them: a mapping such as {header: x-user-tier, values: [internal, staff]} or {body: user, prefix: emp-})",
    "segments: {internal: {header: a, values: [b], prefix: c} } | segments.internal.prefix: goes with body, not header (expected: values: [...] with header)",
    "segments: {internal: {header: 'a b', values: [b]}} | segments.internal.header: 'a b' is not a header name (expected: letters, digits, - _ ., e.g. x-user-tier)",
    "segments: {internal: {body: user, prefix: ''}} | segments.internal.prefix: is empty (expected: the start of the field's value, e.g. emp-)",
    "segments: {internal: {header: a, values: [b, b]}} | segments.internal.values[1]: 'b' is listed twice",
    "segments: {internal: []}                     | segments.internal: a list (expected: a mapping such as {header: x-user-tier, values: [internal, staff]} or {body: user, prefix: emp-})",
    "shadow: {version: v10, percent: 5}           | shadow.version: names unknown version 'v10' (expected one of: v7, v8, v9)",
    "shadow: {version: v8}                        | shadow.percent: missing (expected: the percent of the alias's requests to mirror, e.g. 10)",
    "shadow: {percent: 5}                         | shadow.version: missing (expected: the version to mirror requests to, e.g. v9)",
    "shadow: {version: v8, percent: 150}          | shadow.percent: 150 (expected: a percent from 1 to 100 of the alias's requests to mirror)",
    "shadow: {version: v8, percent: '5'}          | shadow.percent: '5' (expected: an integer percent, e.g. 10, without quotes)",
  })
  void eachMistakeIsReportedOnceWithItsPath(String keys, String problem) {
    assertThat(problemsOf(withAliasKeys(keys))).containsExactly(ALIAS + problem);
  }

  @Test
  void aMisspelledKeyIsNamedAndTheKeyItMissesToo() {
    assertThat(problemsOf(withAliasKeys("segments: {internal: {header: a, valeus: [b]}}"))).containsExactly(
        ALIAS + "segments.internal.valeus: unknown key (did you mean 'values'?)",
        ALIAS + "segments.internal.values: missing (expected: the header values that belong to the segment, e.g. [internal, staff])");
  }

  @Test
  void aRolloutNeedsAnSloPolicy() {
    String yaml = withAliasKeys("rollout: {}").replace("        slo: {}\n", "");

    assertThat(problemsOf(yaml)).containsExactly(ALIAS
        + "rollout: needs the alias's slo, which judges every step (expected: an slo mapping beside it; slo: {} takes the defaults)");
  }

  @Test
  void reportsEveryMistakeAtOnce() {
    String yaml = withAliasKeys("""
        rollout: {steps: [50, 25], approval_before: [10], segment_first: staff}
        segments: {internal: {header: x-tier}}
        shadow: {version: v1, percent: 5}
        """);

    assertThat(problemsOf(yaml)).containsExactly(
        ALIAS + "segments.internal.values: missing (expected: the header values that belong to the segment, e.g. [internal, staff])",
        ALIAS + "rollout.steps[1]: 25 after 50 (expected: ascending percents from 1 to 100 ending at 100, e.g. [5, 25, 50, 100])",
        ALIAS + "rollout.steps: [50, 25] ends at 25 (expected: the last step at 100, where the candidate becomes stable)",
        ALIAS + "rollout.approval_before[0]: 10 is not a step (expected: one of the steps [50, 25])",
        ALIAS + "rollout.segment_first: names unknown segment 'staff' (expected one of: internal)",
        ALIAS + "shadow.version: names unknown version 'v1' (expected one of: v7, v8, v9)");
  }
}
