package dev.modelgate.gateway.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutPhase;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout with a shadow and a segment phase on a real gateway with two simulated versions
 * (docs/configuration.md#rollout): the candidate first gets mirrored copies only, and the gate
 * judges those; then the internal segment's requests only; then its steps, the last one after an
 * operator's approval, to stable.
 */
class ShadowSegmentRolloutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "assistant";
  private static final String PATH = "/admin/v1/models/" + MODEL + "/aliases/production";
  private static final String OPS = "ops-secret";
  private static final Duration LIMIT = Duration.ofSeconds(40);
  private static final SimOptions FAST = SimOptions.defaults().withTtft(Duration.ofMillis(2)).withInterTokenLatency(Duration.ZERO).withTokens(2);

  @TempDir
  Path stateDir;

  /** One answer as the client saw it, with the phase the rollout was in before and after it. */
  private record Seen(RolloutPhase phase, boolean internal, String version, String segment, String route) {}

  private String config(Simulator stable, Simulator candidate) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        state: {dir: "%s"}
        auth:
          admin_tokens:
            - {name: ops, token_env: OPS_TOKEN, role: operator}
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
                segments:
                  internal: {header: x-user-tier, values: [internal, staff]}
                rollout:
                  steps: [50, 100]
                  step_interval: 300ms
                  min_requests: 5
                  shadow: {percent: 50, duration: 300ms}
                  segment_first: internal
                  approval_before: [100]
        """.formatted(stateDir, GatewayHarness.url(stable), GatewayHarness.url(candidate));
  }

  @Test
  void aCandidateGoesFromMirroredCopiesToTheSegmentToEveryStepThroughAnApprovalAndBecomesStable() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      Gateway gateway = harness.start(config(harness.sim(FAST), harness.sim(FAST)), Map.of("OPS_TOKEN", OPS));

      HttpResponse<String> started = harness.admin("POST", PATH + "/rollouts", OPS, "{\"version\":\"v8\"}");
      assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
      assertThat(JSON.readTree(started.body()).path("phase").asText()).isEqualTo("shadow");

      List<Seen> seen = new ArrayList<>();
      boolean approved = false;
      long deadline = System.nanoTime() + LIMIT.toNanos();
      while (rollout(gateway).status() != RolloutStatus.COMPLETED) {
        assertThat(System.nanoTime()).as("waiting for the rollout to complete").isLessThan(deadline);
        if (rollout(gateway).status() == RolloutStatus.AWAITING_APPROVAL && !approved) {
          // Silence never promotes: the last step waits for an operator, at the step before it.
          assertThat(production(gateway).weights()).isEqualTo(Map.of("v7", 50, "v8", 50));
          HttpResponse<String> approval = harness.admin("POST", PATH + "/rollout/approve", OPS, "{\"reason\":\"segment and 50 % look fine\"}");
          assertThat(approval.statusCode()).as(approval.body()).isEqualTo(200);
          approved = true;
        }
        seen.addAll(burst(harness, gateway));
      }
      assertThat(approved).as("the rollout waited for the approval").isTrue();

      // The shadow phase passed on at least min_requests of the candidate's requests, while the
      // candidate answered no client: the gate counted the mirrored copies.
      List<AuditEvent> events = rolloutEvents(gateway);
      Matcher passed = Pattern.compile("^the shadow phase \\(50 % mirrored\\) passed: (\\d+) requests").matcher(events.get(1).reason());
      assertThat(passed.find()).as(events.get(1).reason()).isTrue();
      assertThat(Integer.parseInt(passed.group(1))).isGreaterThanOrEqualTo(5);
      assertThat(seen).filteredOn(s -> s.phase() == RolloutPhase.SHADOW).isNotEmpty()
          .allSatisfy(s -> assertThat(s.version()).isEqualTo("v7"));
      assertThat(harness.metric("modelgate_shadow_requests_total", "model", MODEL, "version", "v8", "outcome", "success")).isGreaterThan(0);
      // The segment phase: the internal users, and only they, on the candidate.
      assertThat(seen).filteredOn(s -> s.phase() == RolloutPhase.SEGMENT).isNotEmpty().allSatisfy(s -> {
        assertThat(s.version()).isEqualTo(s.internal() ? "v8" : "v7");
        assertThat(s.segment()).isEqualTo(s.internal() ? "internal" : null);
        assertThat(s.route()).isEqualTo(s.internal() ? "canary" : "stable");
      });
      // Through the steps the segment moved first stays moved.
      assertThat(seen).filteredOn(s -> s.phase() == RolloutPhase.STEP && s.internal()).allSatisfy(s -> assertThat(s.version()).isEqualTo("v8"));

      assertThat(events).extracting(AuditEvent::action).containsExactly(Action.ROLLOUT_STARTED, Action.ROLLOUT_ADVANCED,
          Action.ROLLOUT_ADVANCED, Action.ROLLOUT_ADVANCED, Action.ROLLOUT_APPROVED, Action.ROLLOUT_COMPLETED);
      assertThat(events).extracting(e -> ((Change.AliasChanged) e.change()).after().rollout().phase()).containsExactly(
          RolloutPhase.SHADOW, RolloutPhase.SEGMENT, RolloutPhase.STEP, RolloutPhase.STEP, RolloutPhase.STEP, RolloutPhase.STEP);
      assertThat(events.get(2).reason()).startsWith("the segment phase (internal) passed");
      assertThat(production(gateway).weights()).isEqualTo(Map.of("v8", 100));
      assertThat(production(gateway).stable()).isEqualTo("v8");
    }
  }

  /** Ten requests, every other one from an internal user, kept when the phase held throughout. */
  private static List<Seen> burst(GatewayHarness harness, Gateway gateway) {
    RolloutPhase before = rollout(gateway).phase();
    int stepBefore = rollout(gateway).step();
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat(MODEL)));
      if (i % 2 == 0) {
        request.header("x-user-tier", "internal");
      }
      pending.add(harness.http().sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()));
    }
    List<Seen> seen = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      HttpResponse<String> answer = pending.get(i).join();
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      seen.add(new Seen(before, i % 2 == 0, answer.headers().firstValue("x-modelgate-version").orElseThrow(),
          answer.headers().firstValue("x-modelgate-segment").orElse(null), answer.headers().firstValue("x-modelgate-route").orElseThrow()));
    }
    boolean held = rollout(gateway).phase() == before && rollout(gateway).step() == stepBefore
        && rollout(gateway).status() != RolloutStatus.COMPLETED;
    return held ? seen : List.of();
  }

  private static Alias production(Gateway gateway) {
    return gateway.routing().table().registry().models().get(MODEL).aliases().get("production");
  }

  private static Rollout rollout(Gateway gateway) {
    return production(gateway).rollout();
  }

  private static List<AuditEvent> rolloutEvents(Gateway gateway) {
    return GatewayHarness.await(gateway.controlPlane().since(0, 1_000, MODEL, "production")).stream()
        .filter(event -> event.action().isRollout() || event.action() == Action.AUTO_ROLLBACK).toList();
  }
}
