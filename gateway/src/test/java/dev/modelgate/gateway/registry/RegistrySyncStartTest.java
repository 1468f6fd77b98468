package dev.modelgate.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.modelgate.gateway.proxy.GatewayHarness;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A gateway that cannot follow the registries its config names refuses to start, naming the key. */
class RegistrySyncStartTest {
  private static final String FOLLOWING = """
      server: {port: 0, admin_port: 0, host: 127.0.0.1}
      access_log: "off"
      registries:
        %s
      models:
        support-agent:
          source: {registry: reg, path: %s, follow: {production: production},
                   serving: {endpoints: [http://127.0.0.1:9]}, on_new_version: switch}
      """;

  @Test
  void anUnsetCredentialVariableStopsStartUp() {
    Throwable refused = start("reg: {kind: mlflow, tracking_uri: http://127.0.0.1:9, token_env: MLFLOW_TRACKING_TOKEN}", "support-agent", Map.of());
    assertThat(rootMessage(refused)).isEqualTo("registries.reg.token_env: environment variable MLFLOW_TRACKING_TOKEN is not set");
  }

  @Test
  void anUnsetWebhookSecretVariableStopsStartUp() {
    Throwable refused = start("reg: {kind: mlflow, tracking_uri: http://127.0.0.1:9, webhook_secret_env: HOOK}", "support-agent", Map.of());
    assertThat(rootMessage(refused)).isEqualTo("registries.reg.webhook_secret_env: environment variable HOOK is not set");
  }

  @Test
  void aWandbRegistryWithoutItsApiKeyStopsStartUp() {
    Throwable refused = start("reg: {kind: wandb, base_url: http://127.0.0.1:9}", "acme/support/support-agent", Map.of());
    assertThat(rootMessage(refused)).isEqualTo("registries.reg.api_key_env: environment variable WANDB_API_KEY is not set");
  }

  private static Throwable start(String registry, String path, Map<String, String> env) {
    try (GatewayHarness harness = new GatewayHarness()) {
      return catchThrowable(() -> harness.start(FOLLOWING.formatted(registry, path), env));
    }
  }

  private static String rootMessage(Throwable failure) {
    assertThat(failure).isNotNull();
    Throwable root = failure;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
