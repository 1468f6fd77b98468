package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;

/**
 * One entry of {@code registries} (docs/registry-sync.md): a model registry models can follow.
 *
 * @param name its key under {@code registries}, which {@code source.registry} names
 * @param url W&B's {@code base_url} or MLflow's {@code tracking_uri}
 * @param credentialEnv the environment variable holding W&B's API key ({@code api_key_env}) or MLflow's
 *     token ({@code token_env}); {@code null} for none
 * @param webhookSecretEnv the environment variable holding the secret its webhooks are signed with;
 *     {@code null}: its webhooks are refused, and polling alone follows it
 */
public record RegistryConfig(String name, Kind kind, String url, String credentialEnv, String webhookSecretEnv, Duration pollInterval) {
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);
  public static final String DEFAULT_WANDB_URL = "https://api.wandb.ai";

  /** Which registry it is, and so which API the gateway speaks to it. */
  public enum Kind {
    WANDB,
    MLFLOW;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
      return wireName;
    }
  }

  public RegistryConfig {
    requireNonNull(name, "name");
    requireNonNull(kind, "kind");
    requireNonNull(url, "url");
    requireNonNull(pollInterval, "pollInterval");
  }
}
