package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.registry.Registry;
import java.util.List;

/**
 * A validated config file (docs/configuration.md). Built only by {@link ConfigLoader}, which applies every
 * default, so no field is {@code null}.
 *
 * @param accessLog a file path, {@code "-"} for stdout, or {@code "off"}
 * @param registry the models, versions and aliases the file seeds, aliases at revision 1
 */
public record GatewayConfig(
    ServerConfig server,
    StateConfig state,
    AuthConfig auth,
    String accessLog,
    List<WebhookConfig> webhooks,
    Registry registry) {

  public static final String ACCESS_LOG_STDOUT = "-";
  public static final String ACCESS_LOG_OFF = "off";
  public static final String DEFAULT_ACCESS_LOG = "./data/access.jsonl";

  /** This config without its models: what a running gateway keeps once they are declared, so a big registry is not held twice. */
  public GatewayConfig withoutRegistry() {
    return new GatewayConfig(server, state, auth, accessLog, webhooks, Registry.EMPTY);
  }

  public GatewayConfig {
    requireNonNull(server, "server");
    requireNonNull(state, "state");
    requireNonNull(auth, "auth");
    requireNonNull(accessLog, "accessLog");
    webhooks = List.copyOf(webhooks);
    requireNonNull(registry, "registry");
  }
}
