package dev.modelgate.gateway.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.rollout.GateFigures;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutPhase;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.rollout.RolloutStatus;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gate's figures: a phase is judged only on a window that lies wholly within it. */
class RolloutDriverTest {
  private static final Instant ENTERED = Instant.parse("2026-05-01T12:00:00Z");
  private static final SloPolicy SLO = new SloPolicy(Duration.ofSeconds(60), Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), null, 2,
      Duration.ofMinutes(10));
  private static final Rollout AT_STEP_2 = new Rollout("v9", "v8", new RolloutPlan(List.of(5, 25, 100), Duration.ofSeconds(30), 10, List.of(), null, null),
      RolloutStatus.RUNNING, RolloutPhase.STEP, 2, ENTERED.minusSeconds(600), ENTERED, "ops", 0);
  private static final WindowSnapshot CANDIDATE = WindowSnapshot.of(300, 3, Duration.ofMillis(80), Duration.ofMillis(400));
  private static final WindowSnapshot FROM = WindowSnapshot.of(900, 0, Duration.ofMillis(70), Duration.ofMillis(300));

  @Test
  void aWindowStillHoldingRequestsOfTheStepBeforeCountsAsNoneForThePhase() {
    GateFigures figures = RolloutDriver.figures(AT_STEP_2, SLO, Map.of("v9", CANDIDATE, "v8", FROM), ENTERED.plusSeconds(59));

    assertThat(figures.phase()).isEqualTo(WindowSnapshot.EMPTY);
    assertThat(figures.window()).isEqualTo(CANDIDATE);
    assertThat(figures.fromWindow()).isEqualTo(FROM);
  }

  @Test
  void oneWholeWindowIntoThePhaseTheCandidatesWindowIsThePhasesFigures() {
    GateFigures figures = RolloutDriver.figures(AT_STEP_2, SLO, Map.of("v9", CANDIDATE, "v8", FROM), ENTERED.plusSeconds(60));

    assertThat(figures.phase()).isEqualTo(CANDIDATE);
  }

  @Test
  void aVersionWithoutAWindowHasNoRequests() {
    GateFigures figures = RolloutDriver.figures(AT_STEP_2, SLO, Map.of(), ENTERED.plusSeconds(120));

    assertThat(figures.phase()).isEqualTo(WindowSnapshot.EMPTY);
    assertThat(figures.fromWindow()).isEqualTo(WindowSnapshot.EMPTY);
  }
}
