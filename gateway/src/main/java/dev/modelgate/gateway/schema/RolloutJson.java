package dev.modelgate.gateway.schema;

import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutPhase;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.rollout.RolloutStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An alias's rollout as a rollout event's {@code after} carries it (docs/admin-api.md#rollouts),
 * with the plan it was started with, so a replay on any replica continues it exactly:
 * <pre>
 * {"version":"v9","from":"v8","state":"running","phase":"step","step":2,"started_at":"…","entered_at":"…",
 *  "started_by":"ops","breaches":0,"plan":{"steps":[5,25,50,100],"step_interval":"10m","min_requests":200,
 *  "approval_before":[50]}}
 * </pre>
 */
public record RolloutJson(
    @Required String version,
    @Required String from,
    @Required String state,
    @Required String phase,
    @Required Integer step,
    @Required Instant startedAt,
    @Required Instant enteredAt,
    @Required String startedBy,
    @Required Integer breaches,
    @Required PlanJson plan) {

  /** How the rollout proceeds, as the config file's {@code rollout} writes it. */
  public record PlanJson(
      @Required List<Integer> steps,
      @Required Duration stepInterval,
      @Required Integer minRequests,
      @Required List<Integer> approvalBefore,
      ShadowJson shadow,
      String segmentFirst) {

    static PlanJson of(RolloutPlan plan) {
      return new PlanJson(plan.steps(), plan.stepInterval(), plan.minRequests(), plan.approvalBefore(),
          plan.shadow() == null ? null : new ShadowJson(plan.shadow().percent(), plan.shadow().duration()), plan.segmentFirst());
    }

    RolloutPlan toPlan() {
      RolloutPlan plan = new RolloutPlan(steps, stepInterval, minRequests, approvalBefore,
          shadow == null ? null : new RolloutPlan.ShadowPhase(shadow.percent(), shadow.duration()), segmentFirst);
      List<String> problems = plan.problems(segmentFirst == null ? List.of() : List.of(segmentFirst));
      if (!problems.isEmpty()) {
        int colon = problems.get(0).indexOf(": ");
        throw new SchemaException(problems.get(0).substring(0, colon), problems.get(0).substring(colon + 2));
      }
      return plan;
    }
  }

  public record ShadowJson(@Required Integer percent, @Required Duration duration) {}

  static RolloutJson of(Rollout r) {
    return r == null ? null : new RolloutJson(r.version(), r.from(), r.status().wireName(), r.phase().wireName(), r.step(),
        r.startedAt(), r.enteredAt(), r.startedBy(), r.breaches(), PlanJson.of(r.plan()));
  }

  Rollout toRollout() {
    RolloutPlan built;
    try {
      built = plan.toPlan();
    } catch (SchemaException e) {
      throw e.under("plan");
    }
    try {
      return new Rollout(version, from, built, named("state", state, RolloutStatus.values()), named("phase", phase, RolloutPhase.values()),
          step, startedAt, enteredAt, startedBy, breaches);
    } catch (IllegalArgumentException e) {
      if (e instanceof SchemaException schema) {
        throw schema;
      }
      throw new SchemaException("", e.getMessage());
    }
  }

  private static <E extends Enum<E>> E named(String key, String text, E[] values) {
    List<String> names = new ArrayList<>();
    for (E value : values) {
      String name = value instanceof RolloutStatus s ? s.wireName() : ((RolloutPhase) value).wireName();
      if (name.equals(text)) {
        return value;
      }
      names.add(name);
    }
    throw new SchemaException(key, "'" + text + "' (expected one of: " + String.join(", ", names) + ")");
  }
}
