package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.rollout.BreachRuns;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the SLO guard knows survives a restart of a real gateway on the same state dir (docs/operations.md). */
class GuardRestartTest {
  private static final String MODEL = "flaky";
  private static final int MIN_REQUESTS = 20;
  private static final Duration LIMIT = Duration.ofSeconds(30);

  @TempDir
  Path stateDir;

  private String config(Simulator stable, Simulator failing, Duration interval) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        state: {dir: "%s"}
        models:
          flaky:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: [%s]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: [%s]}
            aliases:
              production:
                weights: {v7: 80, v8: 20}
                stable: v7
                slo: {window: 30s, evaluation_interval: %dms, min_requests: %d, max_error_rate: 0.1, breaches_to_revert: 2, cooldown: 10m}
        """.formatted(stateDir, GatewayHarness.url(stable), GatewayHarness.url(failing), interval.toMillis(), MIN_REQUESTS);
  }

  private static Alias production(Gateway gateway) {
    return gateway.routing().table().registry().models().get(MODEL).aliases().get("production");
  }

  private static List<AuditEvent> autoRollbacks(Gateway gateway) {
    return GatewayHarness.await(gateway.controlPlane().since(0, 1_000, MODEL, "production")).stream()
        .filter(event -> event.action() == Action.AUTO_ROLLBACK).toList();
  }

  /** Sends {@code n} requests at once; returns how many the canary v8 answered. */
  private static int burst(GatewayHarness harness, int n) {
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat(MODEL))).build();
      pending.add(harness.http().sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    int canary = 0;
    for (CompletableFuture<HttpResponse<String>> response : pending) {
      canary += response.join().headers().firstValue("x-modelgate-version").orElse("").equals("v8") ? 1 : 0;
    }
    return canary;
  }

  /** Drives traffic until {@code done} holds; fails after {@link #LIMIT}. */
  private static void driveUntil(GatewayHarness harness, BooleanSupplier done, String what) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      burst(harness, 10);
    }
  }

  private static void setWeights(Gateway gateway, Map<String, Integer> weights) {
    GatewayHarness.await(gateway.controlPlane().submit(registry -> {
      AliasState before = AliasState.of(registry.models().get(MODEL).aliases().get("production"));
      return new AuditEventDraft(Instant.now(), "sre", Action.SET_WEIGHTS, MODEL, "production",
          new Change.AliasChanged(before, new AliasState(weights, before.stable(), before.revision() + 1)), "try the canary again", Map.of());
    }));
  }

  @Test
  void aGatewayRestartedInsideTheCooldownNeitherRollsBackAgainNorPromotesTheCanaryBack() throws Exception {
    Duration interval = Duration.ofMillis(200);
    try (GatewayHarness backends = new GatewayHarness()) {
      SimOptions fast = SimOptions.defaults().withTtft(Duration.ofMillis(2)).withInterTokenLatency(Duration.ZERO).withTokens(2);
      Simulator stable = backends.sim(fast);
      Simulator failing = backends.sim(fast.withErrorRate(0.5));
      try (GatewayHarness first = new GatewayHarness()) {
        Gateway gateway = first.start(config(stable, failing, interval));
        driveUntil(first, () -> !autoRollbacks(gateway).isEmpty(), "the first auto_rollback");
      }

      try (GatewayHarness second = new GatewayHarness()) {
        Gateway gateway = second.start(config(stable, failing, interval));
        // The config still declares 80/20, unchanged: the runtime rollback stands, nothing promotes v8 back.
        assertThat(production(gateway).weights()).isEqualTo(Map.of("v7", 100));
        assertThat(production(gateway).revision()).isEqualTo(2);

        // Within the cooldown the operator is in charge: their canary keeps failing, and is left alone.
        setWeights(gateway, Map.of("v7", 50, "v8", 50));
        long deadline = System.nanoTime() + 10 * interval.toNanos();
        int canaryAnswers = 0;
        while (System.nanoTime() < deadline || canaryAnswers < 3 * MIN_REQUESTS) {
          canaryAnswers += burst(second, 10);
          assertThat(canaryAnswers).isLessThan(10_000);
        }

        assertThat(production(gateway).weights()).isEqualTo(Map.of("v7", 50, "v8", 50));
        assertThat(production(gateway).revision()).isEqualTo(3);
        assertThat(autoRollbacks(gateway)).hasSize(1);
      }
    }
  }

  @Test
  void aBreachSeenBeforeARestartCountsTowardsTheRollbackAfterIt() throws Exception {
    // Long enough that the gateway is closed well before a second evaluation could follow the first breach.
    Duration interval = Duration.ofSeconds(3);
    try (GatewayHarness backends = new GatewayHarness()) {
      SimOptions fast = SimOptions.defaults().withTtft(Duration.ofMillis(2)).withInterTokenLatency(Duration.ZERO).withTokens(2);
      Simulator stable = backends.sim(fast);
      Simulator failing = backends.sim(fast.withErrorRate(0.5));
      try (GatewayHarness first = new GatewayHarness()) {
        Gateway gateway = first.start(config(stable, failing, interval));
        driveUntil(first, () -> gateway.controlPlane().guardMemory().runs(MODEL, "production") != null, "the first failing evaluation");
        assertThat(gateway.controlPlane().guardMemory().runs(MODEL, "production").runs()).isEqualTo(Map.of("v8", 1));
      }

      try (GatewayHarness second = new GatewayHarness()) {
        Instant restarted = Instant.now();
        Gateway gateway = second.start(config(stable, failing, interval));
        assertThat(autoRollbacks(gateway)).isEmpty();
        assertThat(gateway.controlPlane().guardMemory().runs(MODEL, "production").runs()).isEqualTo(Map.of("v8", 1));

        // The first evaluation after the restart that can judge v8 either rolls back (the run was
        // carried: 1 + 1 = breaches_to_revert) or saves a fresh run of 1 (it was forgotten).
        driveUntil(second, () -> !autoRollbacks(gateway).isEmpty() || savedSince(gateway, restarted), "v8 judged after the restart");

        assertThat(autoRollbacks(gateway)).as("the breach before the restart was forgotten").hasSize(1);
        assertThat(production(gateway).weights()).isEqualTo(Map.of("v7", 100));
        @SuppressWarnings("unchecked")
        Map<String, Object> canary = ((List<Map<String, Object>>) autoRollbacks(gateway).get(0).evidence().get("canaries")).get(0);
        assertThat(canary).containsEntry("version", "v8").containsEntry("consecutive_breaches", 2);
      }
    }
  }

  private static boolean savedSince(Gateway gateway, Instant restarted) {
    BreachRuns runs = gateway.controlPlane().guardMemory().runs(MODEL, "production");
    return runs != null && runs.seenAt().isAfter(restarted);
  }
}
