package dev.modelgate.core.registry;

import dev.modelgate.core.slo.SloPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for registry test data; the defaults follow the documented {@code support-agent} example. */
public final class Registries {
  public static final String MODEL = "support-agent";

  private Registries() {}

  /** A version serving {@code support-agent} from the given base URLs, no key, no health check. */
  public static ModelVersion version(String id, String... endpoints) {
    return new ModelVersion(id, "wandb-artifact://acme/llm/support-agent:" + id, "support-agent", List.of(endpoints), null, Map.of(), null);
  }

  public static ModelVersion versionWithKey(String id, String apiKeyEnv, String... endpoints) {
    return new ModelVersion(id, "wandb-artifact://acme/llm/support-agent:" + id, "support-agent", List.of(endpoints), apiKeyEnv, Map.of(), null);
  }

  /** Weights in the order given: {@code weights("v7", 90, "v8", 10)}. */
  public static Map<String, Integer> weights(Object... versionsAndWeights) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (int i = 0; i < versionsAndWeights.length; i += 2) {
      weights.put((String) versionsAndWeights[i], (Integer) versionsAndWeights[i + 1]);
    }
    return weights;
  }

  public static Alias alias(String name, String stable, Map<String, Integer> weights) {
    return new Alias(name, weights, stable, 1, null, null);
  }

  public static Alias stickyAlias(String name, String stable, Map<String, Integer> weights) {
    return new Alias(name, weights, stable, 1, null, StickyKey.parse("header:x-session-id"));
  }

  public static Model model(String name, List<ModelVersion> versions, List<Alias> aliases) {
    return model(name, Model.DEFAULT_ALIAS, versions, aliases);
  }

  public static Model model(String name, String defaultAlias, List<ModelVersion> versions, List<Alias> aliases) {
    Map<String, ModelVersion> byId = new LinkedHashMap<>();
    versions.forEach(v -> byId.put(v.id(), v));
    Map<String, Alias> byName = new LinkedHashMap<>();
    aliases.forEach(a -> byName.put(a.name(), a));
    return new Model(name, defaultAlias, "test model", "sre", List.of("test"), byId, byName);
  }

  public static Registry registry(Model... models) {
    Map<String, Model> byName = new LinkedHashMap<>();
    for (Model m : models) {
      byName.put(m.name(), m);
    }
    return new Registry(byName);
  }

  /** {@code support-agent}: v7 on :9001, v8 on :9002, {@code production} at the given split, stable v7. */
  public static Registry supportAgent(int v7Weight, int v8Weight) {
    return registry(model(MODEL,
        List.of(version("v7", "http://127.0.0.1:9001"), version("v8", "http://127.0.0.1:9002")),
        List.of(stickyAlias("production", "v7", weights("v7", v7Weight, "v8", v8Weight)))));
  }

  /** The docs/configuration.md#slo example policy. */
  public static SloPolicy slo() {
    return new SloPolicy(SloPolicy.DEFAULT_WINDOW, SloPolicy.DEFAULT_EVALUATION_INTERVAL, SloPolicy.DEFAULT_MIN_REQUESTS,
        SloPolicy.DEFAULT_MAX_ERROR_RATE, SloPolicy.DEFAULT_MAX_P99_LATENCY, null, SloPolicy.DEFAULT_BREACHES_TO_REVERT,
        SloPolicy.DEFAULT_COOLDOWN);
  }
}
