package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SLO guard against real simulated backends: bad canaries are reverted, a healthy one never is. */
class SloGuardEndToEndTest {
  private static final GatewayHarness harness = new GatewayHarness();
  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final int BREACHES = 2;
  private static final int MIN_REQUESTS = 20;

  @BeforeAll
  static void start() throws Exception {
    SimOptions fast = SimOptions.defaults().withTtft(Duration.ofMillis(2)).withInterTokenLatency(Duration.ofMillis(0)).withTokens(2);
    Simulator stable = harness.sim(fast);
    Simulator failing = harness.sim(fast.withErrorRate(0.5));
    Simulator healthy = harness.sim(fast);
    Simulator slow = harness.sim(fast.withTtft(Duration.ofMillis(300)));
    String slo = "{window: 30s, evaluation_interval: %dms, min_requests: %d, max_error_rate: 0.1, max_p99_latency: %s, breaches_to_revert: %d, cooldown: 10m}";
    String fastSlo = slo.formatted(INTERVAL.toMillis(), MIN_REQUESTS, "2s", BREACHES);
    String tightSlo = slo.formatted(INTERVAL.toMillis(), MIN_REQUESTS, "100ms", BREACHES);
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        models:
          flaky:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: [%1$s]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: [%2$s]}
            aliases:
              production: {weights: {v7: 80, v8: 20}, stable: v7, slo: %5$s}
          steady:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: [%1$s]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: [%3$s]}
            aliases:
              production: {weights: {v7: 80, v8: 20}, stable: v7, slo: %5$s}
          sluggish:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: [%1$s]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: [%4$s]}
            aliases:
              production: {weights: {v7: 80, v8: 20}, stable: v7, slo: %6$s}
        """.formatted(url(stable), url(failing), url(healthy), url(slow), fastSlo, tightSlo));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  private static Alias production(String model) {
    return harness.gateway.routing().table().registry().models().get(model).aliases().get("production");
  }

  /** Sends {@code n} requests at once and returns how many each version answered. */
  private static Map<String, Integer> burst(String model, int n) {
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(chat(model))).build();
      pending.add(harness.http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    Map<String, Integer> byVersion = new java.util.HashMap<>();
    for (CompletableFuture<HttpResponse<String>> response : pending) {
      byVersion.merge(response.join().headers().firstValue("x-modelgate-version").orElse("-"), 1, Integer::sum);
    }
    return byVersion;
  }

  /**
   * Drives traffic at {@code model} until its alias is reverted or {@code limit} passes, and returns
   * how long the revert took after the canary had its {@code min_requests}, or -1 if it never came.
   */
  private static long millisFromMinRequestsToRevert(String model, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    int canaryAnswers = 0;
    long judgeableSince = -1;
    while (System.nanoTime() < deadline) {
      if (production(model).weights().getOrDefault("v8", 0) == 0) {
        return judgeableSince < 0 ? 0 : (System.nanoTime() - judgeableSince) / 1_000_000;
      }
      canaryAnswers += burst(model, 10).getOrDefault("v8", 0);
      if (judgeableSince < 0 && canaryAnswers >= MIN_REQUESTS) {
        judgeableSince = System.nanoTime();
      }
    }
    return -1;
  }

  @Test
  @SuppressWarnings("unchecked")
  void rollsBackAFailingCanaryWithinTheConfiguredEvaluations() throws Exception {
    long tookMillis = millisFromMinRequestsToRevert("flaky", Duration.ofSeconds(20));

    assertThat(tookMillis).as("never reverted").isNotNegative();
    // breaches_to_revert × evaluation_interval + one interval, plus slack for a loaded CI machine.
    assertThat(tookMillis).isLessThanOrEqualTo((BREACHES + 1) * INTERVAL.toMillis() + 1500);
    Alias alias = production("flaky");
    assertThat(alias.weights()).containsExactly(Map.entry("v7", 100));
    assertThat(alias.revision()).isEqualTo(2);
    assertThat(burst("flaky", 40)).containsOnlyKeys("v7");
    String metrics = harness.get(harness.adminUri("/metrics")).body();
    assertThat(metrics).contains("modelgate_rollbacks_total{alias=\"production\",model=\"flaky\",trigger=\"auto\"} 1.0");
    List<AuditEvent> events = GatewayHarness.await(harness.gateway.controlPlane().since(0, 100, "flaky", "production"));
    AuditEvent rollback = events.get(events.size() - 1);
    assertThat(rollback.action()).isEqualTo(Action.AUTO_ROLLBACK);
    assertThat(rollback.actor()).isEqualTo("slo-guard");
    Map<String, Object> canary = ((List<Map<String, Object>>) rollback.evidence().get("canaries")).get(0);
    assertThat(canary).containsEntry("version", "v8").containsEntry("breached", List.of("error_rate"));
    assertThat((Number) canary.get("requests")).satisfies(n -> assertThat(n.longValue()).isGreaterThanOrEqualTo(MIN_REQUESTS));
    assertThat((Map<String, Object>) rollback.evidence().get("stable")).containsEntry("version", "v7");
    assertThat((Map<String, Object>) rollback.evidence().get("limits")).containsEntry("max_error_rate", 0.1);
    System.out.println("flaky canary reverted " + tookMillis + " ms after reaching min_requests");
  }

  @Test
  void rollsBackACanaryWhoseP99BreachesTheLatencyLimit() {
    long tookMillis = millisFromMinRequestsToRevert("sluggish", Duration.ofSeconds(30));

    assertThat(tookMillis).as("never reverted").isNotNegative();
    assertThat(production("sluggish").weights()).containsExactly(Map.entry("v7", 100));
  }

  @Test
  void neverRollsBackAHealthyCanary() {
    long deadline = System.nanoTime() + Duration.ofMillis(6 * INTERVAL.toMillis()).toNanos();
    int canaryAnswers = 0;
    while (System.nanoTime() < deadline || canaryAnswers < 3 * MIN_REQUESTS) {
      canaryAnswers += burst("steady", 10).getOrDefault("v8", 0);
      assertThat(canaryAnswers).isLessThan(10_000);
    }

    assertThat(production("steady").weights()).containsEntry("v8", 20);
    assertThat(production("steady").revision()).isEqualTo(1);
  }
}
