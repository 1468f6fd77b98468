package dev.modelgate.core;

import static dev.modelgate.core.registry.Registries.MODEL;
import static dev.modelgate.core.registry.Registries.model;
import static dev.modelgate.core.registry.Registries.registry;
import static dev.modelgate.core.registry.Registries.slo;
import static dev.modelgate.core.registry.Registries.version;
import static dev.modelgate.core.registry.Registries.weights;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.Segment;
import dev.modelgate.core.registry.SegmentMatcher;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.rollout.Delivery;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutPhase;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.rollout.RolloutStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Segments and mirroring compiled into the routing table, as a request sees them. */
class AliasDeliveryTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Segment INTERNAL = new Segment("internal", new Segment.HeaderValues("x-user-tier", List.of("internal", "staff")));
  private static final Segment EMPLOYEES = new Segment("employees", new Segment.BodyPrefix("user", "emp-"));
  private static final RolloutPlan PLAN = new RolloutPlan(List.of(5, 25, 50, 100), Duration.ofMinutes(10), 200, List.of(),
      new RolloutPlan.ShadowPhase(10, Duration.ofMinutes(5)), "internal");

  /** A request with at most one header and one body field. */
  private record Request(String headerName, String headerValue, String field, String fieldValue) implements SegmentMatcher.Request {
    static final Request PLAIN = new Request(null, null, null, null);

    @Override
    public String header(String name) {
      return name.equals(headerName) ? headerValue : null;
    }

    @Override
    public String bodyField(String name) {
      return name.equals(field) ? fieldValue : null;
    }
  }

  private static Registry supportAgent(Alias production) {
    return registry(model(MODEL, List.of(version("v7", "http://127.0.0.1:9001"), version("v8", "http://127.0.0.1:9002")), List.of(production)));
  }

  private static Alias production(Map<String, Integer> weights, Rollout rollout) {
    return new Alias("production", weights, "v7", 1, slo(), StickyKey.parse("header:x-session-id"), null, rollout);
  }

  private static AliasTarget target(Alias production, Delivery delivery) {
    RoutingTable table = RoutingTable.build(supportAgent(production), RoutingTable.EMPTY, Map.<String, String>of()::get,
        url -> EndpointGate.UNGUARDED, Map.of(MODEL, Map.of("production", delivery)));
    return (AliasTarget) table.lookup(MODEL);
  }

  private static Rollout rollout(RolloutPhase phase, int step) {
    return new Rollout("v8", "v7", PLAN, RolloutStatus.RUNNING, phase, step, T0, T0, "ops", 0);
  }

  @Test
  void sendsTheSegmentAllToTheCandidateInTheSegmentPhaseAndTheRestToStable() {
    Rollout segmentPhase = rollout(RolloutPhase.SEGMENT, 0);
    AliasTarget target = target(production(segmentPhase.weights(), segmentPhase), new Delivery(PLAN, List.of(INTERNAL), null));

    for (int i = 0; i < 200; i++) {
      RouteDecision staff = target.pick(new Request("x-user-tier", i % 2 == 0 ? "staff" : "internal", null, null), null);
      assertThat(staff.version().id()).isEqualTo("v8");
      assertThat(staff.segment()).isEqualTo("internal");
      assertThat(staff.route()).isEqualTo(Route.CANARY);
      RouteDecision other = target.pick(new Request("x-user-tier", "free", null, null), null);
      assertThat(other.version().id()).isEqualTo("v7");
      assertThat(other.segment()).isNull();
    }
  }

  @Test
  void keepsStickyKeysOnTheirVersionInsideASegmentThatRoutesByTheAliasWeights() {
    AliasTarget target = target(production(weights("v7", 70, "v8", 30), null), new Delivery(null, List.of(EMPLOYEES), null));
    Request employee = new Request(null, null, "user", "emp-42");

    for (int i = 0; i < 500; i++) {
      String key = "session-" + i;
      RouteDecision inside = target.pick(employee, key);
      RouteDecision outside = target.pick(Request.PLAIN, key);
      assertThat(inside.version()).isSameAs(outside.version());
      assertThat(inside.segment()).isEqualTo("employees");
      assertThat(outside.segment()).isNull();
    }
  }

  @Test
  void matchesABodyPrefixOnlyAtTheStartOfTheField() {
    AliasTarget target = target(production(weights("v7", 100), null), new Delivery(null, List.of(INTERNAL, EMPLOYEES), null));

    assertThat(target.pick(new Request(null, null, "user", "emp-7"), null).segment()).isEqualTo("employees");
    assertThat(target.pick(new Request(null, null, "user", "temp-7"), null).segment()).isNull();
    assertThat(target.pick(new Request("x-user-tier", "staff", "user", "emp-7"), null).segment()).isEqualTo("internal");
  }

  @Test
  void mirrorsExactlyThePercentOfEveryHundredRequestsToTheShadow() {
    AliasTarget target = target(production(weights("v7", 100), null), new Delivery(null, List.of(), new Delivery.Shadow("v8", 7)));

    for (int round = 0; round < 5; round++) {
      int mirrored = 0;
      for (int i = 0; i < 100; i++) {
        RouteDecision shadow = target.mirror();
        if (shadow != null) {
          assertThat(shadow.version().id()).isEqualTo("v8");
          assertThat(shadow.route()).isEqualTo(Route.SHADOW);
          assertThat(shadow.alias()).isEqualTo("production");
          mirrored++;
        }
      }
      assertThat(mirrored).isEqualTo(7);
    }
  }

  @Test
  void theShadowPhaseMirrorsToTheCandidateWhichServesNothing() {
    Rollout shadowPhase = rollout(RolloutPhase.SHADOW, 0);
    AliasTarget target = target(production(shadowPhase.weights(), shadowPhase),
        new Delivery(PLAN, List.of(INTERNAL), new Delivery.Shadow("v7", 50)));

    int mirrored = 0;
    for (int i = 0; i < 100; i++) {
      assertThat(target.pick(new Request("x-user-tier", "staff", null, null), null).version().id()).isEqualTo("v7");
      RouteDecision shadow = target.mirror();
      if (shadow != null) {
        assertThat(shadow.version().id()).isEqualTo("v8");
        mirrored++;
      }
    }
    assertThat(mirrored).isEqualTo(10);
  }

  @Test
  void mirrorsNothingOnceTheRolloutLeftTheShadowPhase() {
    Rollout step = rollout(RolloutPhase.STEP, 1);
    AliasTarget target = target(production(step.weights(), step), new Delivery(PLAN, List.of(INTERNAL), null));

    assertThat(target.mirrors()).isFalse();
    assertThat(target.mirror()).isNull();
    // The segment moved first stays on the candidate through the steps.
    assertThat(target.pick(new Request("x-user-tier", "staff", null, null), null).version().id()).isEqualTo("v8");
  }

  @Test
  void anAliasWithoutDeliveryHasNoSegmentsAndNoMirror() {
    RoutingTable table = RoutingTable.build(supportAgent(production(weights("v7", 100), null)), RoutingTable.EMPTY, Map.<String, String>of()::get);
    AliasTarget target = (AliasTarget) table.lookup(MODEL);

    assertThat(target.segments()).isSameAs(SegmentMatcher.NONE);
    assertThat(target.mirrors()).isFalse();
    assertThat(table.segmentBodyFields()).isEmpty();
  }

  @Test
  void theTableListsEachBodyFieldSomeSegmentReadsOnce() {
    RoutingTable table = RoutingTable.build(supportAgent(production(weights("v7", 100), null)), RoutingTable.EMPTY, Map.<String, String>of()::get,
        url -> EndpointGate.UNGUARDED, Map.of(MODEL, Map.of("production", new Delivery(null, List.of(INTERNAL, EMPLOYEES,
            new Segment("contractors", new Segment.BodyPrefix("user", "ext-"))), null))));

    assertThat(table.segmentBodyFields()).containsExactly("user");
  }

  @Test
  void aStandingShadowOfTheCandidatePausesWhileItsRolloutRunsButOneOfAnotherVersionGoesOn() {
    Rollout segmentPhase = rollout(RolloutPhase.SEGMENT, 0);
    Alias production = production(segmentPhase.weights(), segmentPhase);

    assertThat(target(production, new Delivery(PLAN, List.of(INTERNAL), new Delivery.Shadow("v8", 100))).mirrors()).isFalse();
    assertThat(target(production, new Delivery(PLAN, List.of(INTERNAL), new Delivery.Shadow("v7", 100))).mirror().version().id())
        .isEqualTo("v7");
  }
}
