package dev.modelgate.gateway.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutStatus;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts on a real gateway with two simulated versions and short intervals (docs/admin-api.md#rollouts):
 * the driver moves a healthy candidate through every step and an approval, rolls a failing one back
 * at the step where it breaks, and a restart resumes the step the ledger recorded.
 */
class RolloutEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "assistant";
  private static final String PATH = "/admin/v1/models/" + MODEL + "/aliases/production";
  private static final String OPS = "ops-secret";
  private static final String LEAD = "lead-secret";
  private static final Map<String, String> TOKENS = Map.of("OPS_TOKEN", OPS, "LEAD_TOKEN", LEAD);
  private static final Duration LIMIT = Duration.ofSeconds(40);
  private static final SimOptions FAST = SimOptions.defaults().withTtft(Duration.ofMillis(2)).withInterTokenLatency(Duration.ZERO).withTokens(2);

  @TempDir
  Path stateDir;

  private String config(Simulator stable, Simulator candidate, String stepInterval) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        state: {dir: "%s"}
        auth:
          require_distinct_approver: true
          admin_tokens:
            - {name: ops, token_env: OPS_TOKEN, role: operator}
            - {name: lead, token_env: LEAD_TOKEN, role: operator}
        models:
          assistant:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: [%s]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: [%s]}
            aliases:
              production:
                weights: {v7: 100}
                stable: v7
                slo: {window: 400ms, evaluation_interval: 100ms, min_requests: 5, max_error_rate: 0.1, breaches_to_revert: 2, cooldown: 10m}
                rollout: {steps: [25, 50, 100], step_interval: %s, min_requests: 5, approval_before: [100]}
        """.formatted(stateDir, GatewayHarness.url(stable), GatewayHarness.url(candidate), stepInterval);
  }

  @Test
  void aHealthyCandidateGoesThroughEveryStepAndAnApprovalToStable() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      Gateway gateway = harness.start(config(harness.sim(FAST), harness.sim(FAST), "300ms"), TOKENS);

      HttpResponse<String> started = harness.admin("POST", PATH + "/rollouts", OPS, "{\"version\":\"v8\",\"reason\":\"v8 passed evals\"}");
      assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
      JsonNode view = JSON.readTree(started.body());
      assertThat(view.path("state").asText()).isEqualTo("running");
      assertThat(view.path("step").asInt()).isEqualTo(1);
      assertThat(view.path("percent").asInt()).isEqualTo(25);
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v7", 75, "v8", 25));
      assertThat(harness.admin("POST", PATH + "/rollouts", OPS, "{\"version\":\"v8\"}").statusCode()).isEqualTo(409);
      HttpResponse<String> byHand = harness.admin("POST", PATH + "/promote", OPS, "{\"version\":\"v8\"}");
      assertThat(byHand.statusCode()).isEqualTo(409);
      assertThat(byHand.body()).contains("rollout_in_progress").contains("abort it");

      driveUntil(harness, () -> status(gateway) == RolloutStatus.AWAITING_APPROVAL, "step 2 passed, step 3 awaiting approval");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v7", 50, "v8", 50));
      JsonNode waiting = JSON.readTree(harness.admin("GET", PATH + "/rollout", OPS, null).body());
      assertThat(waiting.path("state").asText()).isEqualTo("awaiting_approval");
      assertThat(waiting.path("next_at").isNull()).isTrue();

      HttpResponse<String> selfApproved = harness.admin("POST", PATH + "/rollout/approve", OPS, "{}");
      assertThat(selfApproved.statusCode()).isEqualTo(409);
      assertThat(selfApproved.body()).contains("require_distinct_approver");
      HttpResponse<String> approved = harness.admin("POST", PATH + "/rollout/approve", LEAD, "{\"reason\":\"dashboards look fine\"}");
      assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
      assertThat(JSON.readTree(approved.body()).path("percent").asInt()).isEqualTo(100);

      driveUntil(harness, () -> status(gateway) == RolloutStatus.COMPLETED, "the rollout completed");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v8", 100));
      assertThat(production(gateway).stable()).isEqualTo("v8");
      assertThat(rolloutEvents(gateway)).extracting(AuditEvent::action).containsExactly(
          Action.ROLLOUT_STARTED, Action.ROLLOUT_ADVANCED, Action.ROLLOUT_ADVANCED, Action.ROLLOUT_APPROVED, Action.ROLLOUT_COMPLETED);
      assertThat(rolloutEvents(gateway)).extracting(AuditEvent::actor).containsExactly("ops", "rollout", "rollout", "lead", "rollout");
      harness.awaitMetric(100, "modelgate_rollout_percent", "model", MODEL, "alias", "production");
      harness.awaitMetric(1, "modelgate_rollout_state", "model", MODEL, "alias", "production", "state", "completed");
      assertThat(harness.metric("modelgate_rollout_state", "model", MODEL, "alias", "production", "state", "running")).isZero();
    }
  }

  @Test
  void aCandidateThatStartsFailingIsRolledBackAtTheStepWhereItBreaks() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      Simulator candidate = harness.sim(FAST);
      Gateway gateway = harness.start(config(harness.sim(FAST), candidate, "300ms"), TOKENS);
      assertThat(harness.admin("POST", PATH + "/rollouts", OPS, "{\"version\":\"v8\"}").statusCode()).isEqualTo(201);

      driveUntil(harness, () -> rollout(gateway).step() == 2, "step 2");
      candidate.errorRate(0.6);
      driveUntil(harness, () -> status(gateway) == RolloutStatus.ROLLED_BACK, "the rollback");

      assertThat(rollout(gateway).step()).isEqualTo(2);
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v7", 100));
      assertThat(production(gateway).stable()).isEqualTo("v7");
      List<AuditEvent> events = rolloutEvents(gateway);
      assertThat(events).extracting(AuditEvent::action).containsExactly(Action.ROLLOUT_STARTED, Action.ROLLOUT_ADVANCED, Action.AUTO_ROLLBACK);
      AuditEvent rollback = events.get(2);
      assertThat(((Change.AliasChanged) rollback.change()).after().rollout().status()).isEqualTo(RolloutStatus.ROLLED_BACK);
      @SuppressWarnings("unchecked")
      Map<String, Object> canary = ((List<Map<String, Object>>) rollback.evidence().get("canaries")).get(0);
      assertThat(canary).containsEntry("version", "v8").containsEntry("consecutive_breaches", 2);
      JsonNode view = JSON.readTree(harness.admin("GET", PATH + "/rollout", OPS, null).body());
      assertThat(view.path("state").asText()).isEqualTo("rolled_back");
      assertThat(harness.admin("POST", PATH + "/rollout/resume", OPS, "{}").statusCode()).isEqualTo(409);
      harness.awaitMetric(1, "modelgate_rollbacks_total", "model", MODEL, "alias", "production", "trigger", "auto");
    }
  }

  @Test
  void aGatewayRestartedMidStepResumesThatStep() throws Exception {
    try (GatewayHarness backends = new GatewayHarness()) {
      Simulator stable = backends.sim(FAST);
      Simulator candidate = backends.sim(FAST);
      Rollout before;
      try (GatewayHarness first = new GatewayHarness()) {
        Gateway gateway = first.start(config(stable, candidate, "2s"), TOKENS);
        assertThat(first.admin("POST", PATH + "/rollouts", OPS, "{\"version\":\"v8\"}").statusCode()).isEqualTo(201);
        assertThat(first.admin("POST", PATH + "/rollout/pause", OPS, "{}").statusCode()).isEqualTo(200);
        assertThat(first.admin("POST", PATH + "/rollout/resume", OPS, "{}").statusCode()).isEqualTo(200);
        before = rollout(gateway);
      }

      try (GatewayHarness second = new GatewayHarness()) {
        Gateway gateway = second.start(config(stable, candidate, "2s"), TOKENS);
        assertThat(rollout(gateway)).isEqualTo(before);
        assertThat(production(gateway).weights()).isEqualTo(Map.of("v7", 75, "v8", 25));

        driveUntil(second, () -> rollout(gateway).step() == 2, "step 2 after the restart");
        List<AuditEvent> events = rolloutEvents(gateway);
        assertThat(events).extracting(AuditEvent::action)
            .containsExactly(Action.ROLLOUT_STARTED, Action.ROLLOUT_PAUSED, Action.ROLLOUT_RESUMED, Action.ROLLOUT_ADVANCED);
        // The step kept the clock it started with: it ended no sooner than its interval after it began.
        assertThat(rollout(gateway).enteredAt()).isAfterOrEqualTo(before.enteredAt().plus(Duration.ofSeconds(2)));
        assertThat(rollout(gateway).startedAt()).isEqualTo(before.startedAt());
      }
    }
  }

  private static Alias production(Gateway gateway) {
    return gateway.routing().table().registry().models().get(MODEL).aliases().get("production");
  }

  private static Rollout rollout(Gateway gateway) {
    return production(gateway).rollout();
  }

  private static RolloutStatus status(Gateway gateway) {
    return rollout(gateway).status();
  }

  private static List<AuditEvent> rolloutEvents(Gateway gateway) {
    return GatewayHarness.await(gateway.controlPlane().since(0, 1_000, MODEL, "production")).stream()
        .filter(event -> event.action().isRollout() || event.action() == Action.AUTO_ROLLBACK).toList();
  }

  /** Sends bursts of requests until {@code done} holds; fails after {@link #LIMIT}. */
  private static void driveUntil(GatewayHarness harness, BooleanSupplier done, String what) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
            .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat(MODEL))).build();
        pending.add(harness.http().sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      }
      pending.forEach(CompletableFuture::join);
    }
  }
}
