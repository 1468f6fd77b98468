package dev.modelgate.gateway.config;

import static dev.modelgate.gateway.config.ConfigLoaderTest.problemsOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.sync.OnNewVersion;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SourceConfigTest {
  private static final String FOLLOWING = """
      registries:
        mlflow: {kind: mlflow, tracking_uri: http://127.0.0.1:5000, token_env: MLFLOW_TRACKING_TOKEN,
                 webhook_secret_env: MLFLOW_WEBHOOK_SECRET, poll_interval: 10s}
      models:
        support-agent:
          source:
            registry: mlflow
            path: support-agent
            follow: {production: production}
            serving: {endpoints: [http://127.0.0.1:9001], served_model: "support-agent-{version}"}
            write_back: {move_alias_back_on_rollback: true}
          aliases:
            production:
              slo: {min_requests: 10}
              rollout: {steps: [50, 100], step_interval: 1s, min_requests: 5}
      """;

  @Test
  void aFollowedAliasNeedsNoWeightsAndKeepsItsPolicyForTheFirstSync() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse(FOLLOWING, "t.yaml");
    RegistryConfig mlflow = config.registries().get("mlflow");
    assertThat(mlflow.kind()).isEqualTo(RegistryConfig.Kind.MLFLOW);
    assertThat(mlflow.url()).isEqualTo("http://127.0.0.1:5000");
    assertThat(mlflow.credentialEnv()).isEqualTo("MLFLOW_TRACKING_TOKEN");
    assertThat(mlflow.pollInterval()).isEqualTo(Duration.ofSeconds(10));
    SourceConfig source = config.sources().get("support-agent");
    assertThat(source.follow()).containsEntry("production", "production");
    assertThat(source.onNewVersion()).isEqualTo(OnNewVersion.ROLLOUT);
    assertThat(source.writeBackStatus()).isTrue();
    assertThat(source.moveAliasBackOnRollback()).isTrue();
    Alias production = config.registry().models().get("support-agent").aliases().get("production");
    assertThat(production.awaitsSync()).isTrue();
    assertThat(production.slo().minRequests()).isEqualTo(10);
    assertThat(config.delivery("support-agent", "production").rollout().steps()).containsExactly(50, 100);
  }

  @Test
  void wandbDefaultsToItsPublicApiAndTheSdksKeyVariable() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse("registries: {wandb: {kind: wandb}}\nmodels: {}\n", "t.yaml");
    assertThat(config.registries().get("wandb").url()).isEqualTo("https://api.wandb.ai");
    assertThat(config.registries().get("wandb").credentialEnv()).isEqualTo("WANDB_API_KEY");
  }

  @Test
  void everyMistakeIsNamedWithItsPath() {
    String yaml = """
        registries:
          mlflow: {kind: mlflow, base_url: http://x, poll_intervall: 5s}
          other: {kind: neptune}
        models:
          support-agent:
            source:
              registry: wandb
              path: support-agent
              follow: {production: production, staging: 7}
              serving: {served_model: "m-{versoin}"}
              on_new_version: canary
            aliases:
              production: {}
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        "registries.mlflow.poll_intervall: unknown key (did you mean 'poll_interval'?)",
        "registries.mlflow.base_url: goes with the other kind of registry (expected: tracking_uri for this kind)",
        "registries.mlflow.tracking_uri: missing (expected: the MLflow tracking server's URL, e.g. http://mlflow:5000)",
        "registries.other.kind: 'neptune' (expected: wandb or mlflow)",
        "models.support-agent.source.follow.staging: 7 (expected: the alias here that follows it, e.g. production)",
        "models.support-agent.source.serving.served_model: 'm-{versoin}' has placeholder {versoin} (expected: {version} or {metadata.KEY})",
        "models.support-agent.source.on_new_version: 'canary' (expected: rollout or switch)",
        "models.support-agent.source.registry: 'wandb' is not under registries (expected one of: mlflow)",
        "models.support-agent.source.follow.production: alias 'production' has no slo, which judges each step of a rollout "
            + "(expected: models.support-agent.aliases.production.slo, or source.on_new_version: switch)");
  }

  @Test
  void aWandbPathOrAliasTheClientCannotAskAboutIsRefusedAtLoad() {
    String yaml = """
        registries:
          wandb: {kind: wandb, base_url: http://127.0.0.1:8080}
        models:
          support-agent:
            source:
              registry: wandb
              path: acme/support-agent
              follow: {production: production, "staging:v2": staging}
              serving: {endpoints: [http://127.0.0.1:9001]}
              on_new_version: switch
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        "models.support-agent.source.path: \"acme/support-agent\" (expected: entity/project/collection, e.g. acme/wandb-registry-model/support-agent)",
        "models.support-agent.source.follow.staging:v2: is not a W&B alias: \"staging:v2\" (expected: 1 to 128 characters, none of them '/', ':' or a space)");
  }

  @Test
  void aWandbRegistryCollectionPathIsAccepted() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse(FOLLOWING.replace("mlflow: {kind: mlflow, tracking_uri: http://127.0.0.1:5000, token_env: MLFLOW_TRACKING_TOKEN,",
            "wandb: {kind: wandb, base_url: http://127.0.0.1:8080, api_key_env: WANDB_API_KEY,")
        .replace("registry: mlflow", "registry: wandb").replace("path: support-agent", "path: Acme/wandb-registry-model/support-agent"), "t.yaml");
    assertThat(config.sources().get("support-agent").path()).isEqualTo("Acme/wandb-registry-model/support-agent");
  }

  @Test
  void anAliasThatIsNotFollowedStillNeedsItsWeights() {
    assertThat(problemsOf(FOLLOWING.replace("follow: {production: production}", "follow: {production: canary}")))
        .contains("models.support-agent.aliases.production.weights: missing (expected: version weights summing to 100, e.g. {v7: 90, v8: 10})");
  }
}
