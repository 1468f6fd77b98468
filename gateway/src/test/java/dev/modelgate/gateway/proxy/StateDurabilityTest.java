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
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registry state is the ledger's: restarts keep runtime changes, and a config edit applies only its difference. */
class StateDurabilityTest {
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
