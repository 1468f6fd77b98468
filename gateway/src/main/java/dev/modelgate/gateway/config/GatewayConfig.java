package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.cache.CachePolicy;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.Delivery;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated config file (docs/configuration.md). Built only by {@link ConfigLoader}, which applies every
 * default, so no field is {@code null}.
 *
 * @param accessLog a file path, {@code "-"} for stdout, or {@code "off"}
 * @param registry the models, versions and aliases the file seeds, aliases at revision 1
 * @param deliveries model → alias → what the alias declares about delivering new versions (its
 *     rollout plan, segments, shadow), only for aliases that declare any
 * @param caches model → alias → the alias's response cache (SPEC §12), only for aliases that declare one
 * @param registries the model registries models can follow, by name (docs/registry-sync.md)
 * @param sources model → the registry it follows and how, only for models that follow one
 */
public record GatewayConfig(
    ServerConfig server,
    StateConfig state,
    AuthConfig auth,
    String accessLog,
    List<WebhookConfig> webhooks,
    Registry registry,
    Map<String, Map<String, Delivery>> deliveries,
    Map<String, Map<String, CachePolicy>> caches,
    Map<String, RegistryConfig> registries,
    Map<String, SourceConfig> sources) {

  public static final String ACCESS_LOG_STDOUT = "-";
  public static final String ACCESS_LOG_OFF = "off";
  public static final String DEFAULT_ACCESS_LOG = "./data/access.jsonl";

  /** This config without its models: what a running gateway keeps once they are declared, so a big registry is not held twice. */
  public GatewayConfig withoutRegistry() {
    return new GatewayConfig(server, state, auth, accessLog, webhooks, Registry.EMPTY, deliveries, caches, registries, sources);
  }

  /** The delivery {@code alias} of {@code model} declares; {@link Delivery#NONE} when it declares none. */
  public Delivery delivery(String model, String alias) {
    return deliveries.getOrDefault(model, Map.of()).getOrDefault(alias, Delivery.NONE);
  }

  public GatewayConfig {
    requireNonNull(server, "server");
    requireNonNull(state, "state");
    requireNonNull(auth, "auth");
    requireNonNull(accessLog, "accessLog");
    webhooks = List.copyOf(webhooks);
    requireNonNull(registry, "registry");
    deliveries = perAlias(deliveries);
    caches = perAlias(caches);
    registries = Collections.unmodifiableMap(new LinkedHashMap<>(registries));
    sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
  }

  /** An unmodifiable copy of a model → alias → setting map, models in their order. */
  static <T> Map<String, Map<String, T>> perAlias(Map<String, Map<String, T>> byModel) {
    Map<String, Map<String, T>> copy = new LinkedHashMap<>();
    byModel.forEach((model, aliases) -> copy.put(model, Map.copyOf(aliases)));
    return Collections.unmodifiableMap(copy);
  }
}
