package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registry state is the ledger's: restarts keep runtime changes, and a config edit applies only its difference. */
class StateDurabilityTest {
  private static final int SESSIONS = 1_000;

  @TempDir
  Path stateDir;

  // Versions are immutable, endpoints included, so the file names the same (never called) endpoint every time.
  private String config() {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        state: {dir: "%s"}
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: ["http://127.0.0.1:9"]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: ["http://127.0.0.1:9"]}
            aliases:
              production: {weights: {v7: 90, v8: 10}, stable: v7}
        """.formatted(stateDir);
  }

  private static Alias alias(Gateway gateway, String name) {
    return gateway.routing().table().registry().models().get("support-agent").aliases().get(name);
  }

  private static AuditEvent setWeights(Gateway gateway, Map<String, Integer> weights) {
    return GatewayHarness.await(gateway.controlPlane().submit(registry -> {
      Alias production = registry.models().get("support-agent").aliases().get("production");
      AliasState before = AliasState.of(production);
      return new AuditEventDraft(Instant.now(), "sre", Action.SET_WEIGHTS, "support-agent", "production",
          new Change.AliasChanged(before, new AliasState(weights, before.stable(), before.revision() + 1)), "widen canary", Map.of());
    }));
  }

  private String stickyConfig(Simulator backend) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        state: {dir: "%s"}
        auth:
          admin_tokens:
            - {token_env: OPERATOR_TOKEN, role: operator}
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: [%2$s]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: [%2$s]}
              v9: {artifact: "s3://m/v9", served_model: m, endpoints: [%2$s]}
            aliases:
              production: {weights: {v7: 90, v8: 10}, stable: v7, sticky: "header:x-session-id"}
        """.formatted(stateDir, GatewayHarness.url(backend));
  }

  /** The version each of {@value #SESSIONS} session ids is answered by, asked 50 at a time. */
  private static Map<String, String> sessionVersions(GatewayHarness harness) throws Exception {
    Map<String, String> versions = new HashMap<>();
    for (int start = 0; start < SESSIONS; start += 50) {
      Map<String, CompletableFuture<HttpResponse<String>>> answers = new HashMap<>();
      for (int i = start; i < start + 50; i++) {
        String session = "session-" + i;
        HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
            .header("content-type", "application/json").header("x-session-id", session)
            .POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat("support-agent"))).build();
        answers.put(session, harness.http().sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      }
      for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> answer : answers.entrySet()) {
        HttpResponse<String> response = answer.getValue().get(GatewayHarness.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        versions.put(answer.getKey(), response.headers().firstValue("x-modelgate-version").orElseThrow());
      }
    }
    return versions;
  }

  @Test
  void movesOnlyTheSessionsANewVersionTakesAndKeepsEverySessionWhereItWasAcrossARestart() throws Exception {
    try (GatewayHarness backends = new GatewayHarness()) {
      Simulator backend = backends.sim(SimOptions.defaults().withTtft(Duration.ZERO).withInterTokenLatency(Duration.ZERO).withTokens(1));
      Map<String, String> environment = Map.of("OPERATOR_TOKEN", "operator-secret");
      Map<String, String> before;
      Map<String, String> after;
      try (GatewayHarness first = new GatewayHarness()) {
        first.start(stickyConfig(backend), environment);
        before = sessionVersions(first);
        HttpResponse<String> put = first.admin("PUT", "/admin/v1/models/support-agent/aliases/production", "operator-secret",
            "{\"weights\":{\"v7\":80,\"v8\":10,\"v9\":10}}");
        assertThat(put.statusCode()).isEqualTo(200);
        after = sessionVersions(first);
      }
      try (GatewayHarness second = new GatewayHarness()) {
        second.start(stickyConfig(backend), environment);

        assertThat(sessionVersions(second)).isEqualTo(after);
      }
      Map<String, Integer> moves = new HashMap<>();
      before.forEach((session, was) -> {
        if (!was.equals(after.get(session))) {
          moves.merge(was + "→" + after.get(session), 1, Integer::sum);
        }
      });
      // 10 % must move, all from v7 to v9; re-cutting contiguous runs would move 20 %, v8's too.
      assertThat(moves).containsOnlyKeys("v7→v9");
      assertThat(moves.get("v7→v9")).isBetween(70, 130);
    }
  }

  @Test
  void keepsARuntimeChangeAcrossARestartWithAnUnchangedConfig() throws Exception {
    try (GatewayHarness first = new GatewayHarness()) {
      Gateway gateway = first.start(config());
      assertThat(alias(gateway, "production").revision()).isEqualTo(1);
      setWeights(gateway, Map.of("v7", 50, "v8", 50));
    }
    try (GatewayHarness second = new GatewayHarness()) {
      Gateway gateway = second.start(config());

      assertThat(alias(gateway, "production").weights()).isEqualTo(Map.of("v7", 50, "v8", 50));
      assertThat(alias(gateway, "production").revision()).isEqualTo(2);
    }
  }

  @Test
  void appliesOnlyTheDifferenceOfAnEditedConfig() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      setWeights(harness.start(config()), Map.of("v7", 70, "v8", 30));
    }
    try (GatewayHarness harness = new GatewayHarness()) {
      String edited = config().replace("    aliases:\n", "    aliases:\n      staging: {weights: {v8: 100}, stable: v8}\n");
      Gateway gateway = harness.start(edited);

      assertThat(alias(gateway, "staging").weights()).isEqualTo(Map.of("v8", 100));
      assertThat(alias(gateway, "production").weights()).isEqualTo(Map.of("v7", 70, "v8", 30));
      List<AuditEvent> events = GatewayHarness.await(gateway.controlPlane().since(0, 100, null, null));
      assertThat(events).extracting(AuditEvent::action).containsExactly(Action.CONFIG, Action.SET_WEIGHTS, Action.CONFIG);
    }
  }

  @Test
  void refusesAChangeThatBreaksTheRulesAndWritesNothing() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      Gateway gateway = harness.start(config());

      assertThatThrownBy(() -> setWeights(gateway, Map.of("v7", 50, "v9", 50)))
          .hasMessageContaining("models.support-agent.aliases.production.weights.v9: names unknown version 'v9'");
      assertThat(GatewayHarness.await(gateway.controlPlane().since(0, 100, null, null))).hasSize(1);
      assertThat(alias(gateway, "production").revision()).isEqualTo(1);
    }
  }
}
