package dev.modelgate.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.core.Messages;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.sync.OnNewVersion;
import dev.modelgate.core.sync.Serving;
import dev.modelgate.gateway.registry.wandb.WandbClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads registry sync's keys (docs/registry-sync.md): the top-level {@code registries} and a model's
 * {@code source}, and checks that they fit together with the models they feed.
 */
final class SourceReader {
  static final Pattern REGISTRY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final String REGISTRY_NAME_EXPECTED = "1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit, e.g. mlflow";
  private static final String REGISTRY = "a mapping such as {kind: mlflow, tracking_uri: http://mlflow:5000, token_env: MLFLOW_TRACKING_TOKEN}";
  private static final String SOURCE = "a mapping such as {registry: mlflow, path: support-agent, follow: {production: production}, "
      + "serving: {endpoints: [http://vllm:8000], served_model: \"support-agent-{version}\"}}";

  private SourceReader() {}

  static Map<String, RegistryConfig> registries(Fields top) {
    Fields all = top.mapping("registries", "a mapping of registry name to registry, e.g. {mlflow: {kind: mlflow, tracking_uri: …}}");
    Map<String, RegistryConfig> registries = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : all.entries()) {
      String name = e.getKey();
      Fields f = Fields.of(e.getValue(), all.path(name), REGISTRY, top.problems());
      if (!REGISTRY_NAME.matcher(name).matches()) {
        top.problems().add(all.path(name), "is not a registry name (expected: " + REGISTRY_NAME_EXPECTED + ")");
      }
      RegistryConfig registry = registry(name, f);
      if (registry != null) {
        registries.put(name, registry);
      }
    }
    return registries;
  }

  private static RegistryConfig registry(String name, Fields f) {
    String kindText = f.requiredText("kind", "wandb or mlflow");
    String baseUrl = f.text("base_url", null);
    String apiKeyEnv = f.text("api_key_env", null);
    String trackingUri = f.text("tracking_uri", null);
    String tokenEnv = f.text("token_env", null);
    String secretEnv = f.text("webhook_secret_env", null);
    Duration poll = f.duration("poll_interval", RegistryConfig.DEFAULT_POLL_INTERVAL);
    f.finish();
    if (poll.isZero()) {
      f.problems().add(f.path("poll_interval"), "0s (expected: a positive duration such as 30s)");
    }
    if (secretEnv != null) {
      SettingsReader.envName(f.problems(), f.path("webhook_secret_env"), secretEnv);
    }
    RegistryConfig.Kind kind;
    String url;
    String credentialEnv;
    switch (kindText) {
      case "wandb" -> {
        kind = RegistryConfig.Kind.WANDB;
        misplaced(f, "tracking_uri", trackingUri, "base_url");
        misplaced(f, "token_env", tokenEnv, "api_key_env");
        url = baseUrl == null ? RegistryConfig.DEFAULT_WANDB_URL : baseUrl;
        credentialEnv = apiKeyEnv == null ? "WANDB_API_KEY" : apiKeyEnv;
        SettingsReader.httpUrl(f, "base_url", url);
        SettingsReader.envName(f.problems(), f.path("api_key_env"), credentialEnv);
      }
      case "mlflow" -> {
        kind = RegistryConfig.Kind.MLFLOW;
        misplaced(f, "base_url", baseUrl, "tracking_uri");
        misplaced(f, "api_key_env", apiKeyEnv, "token_env");
        url = trackingUri == null ? "" : trackingUri;
        if (trackingUri == null) {
          f.missing("tracking_uri", "the MLflow tracking server's URL, e.g. http://mlflow:5000");
        } else {
          SettingsReader.httpUrl(f, "tracking_uri", url);
        }
        credentialEnv = tokenEnv;
        if (tokenEnv != null) {
          SettingsReader.envName(f.problems(), f.path("token_env"), tokenEnv);
        }
      }
      default -> {
        if (!kindText.isEmpty()) {
          f.problems().add(f.path("kind"), Messages.quote(kindText) + " (expected: wandb or mlflow)");
        }
        return null;
      }
    }
    return new RegistryConfig(name, kind, url, credentialEnv, secretEnv, poll.isZero() ? RegistryConfig.DEFAULT_POLL_INTERVAL : poll);
  }

  private static void misplaced(Fields f, String key, String value, String instead) {
    if (value != null) {
      f.problems().add(f.path(key), "goes with the other kind of registry (expected: " + instead + " for this kind)");
    }
  }

  /** A model's {@code source}; {@code null} when it has none. */
  static SourceConfig source(Fields model) {
    if (!model.has("source")) {
      return null;
    }
    Fields f = model.mapping("source", SOURCE);
    String registry = f.requiredText("registry", "a name under registries, e.g. mlflow");
    String path = f.requiredText("path", "the model in the registry: W&B entity/project/collection, MLflow the model name");
    Fields followed = f.mapping("follow", "a mapping of registry alias to this model's alias, e.g. {production: production}");
    Map<String, String> follow = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : followed.entries()) {
      JsonNode alias = e.getValue();
      if (alias.isTextual() && !alias.textValue().isEmpty()) {
        follow.put(e.getKey(), alias.textValue());
      } else {
        f.problems().add(followed.path(e.getKey()), Fields.describe(alias) + " (expected: the alias here that follows it, e.g. production)");
      }
    }
    if (!f.has("follow")) {
      f.missing("follow", "a mapping of registry alias to this model's alias, e.g. {production: production}");
    } else if (follow.isEmpty() && f.value("follow").isObject()) {
      f.problems().add(f.path("follow"), "is empty (expected: at least one registry alias to follow, e.g. {production: production})");
    }
    List<String> seenTwice = follow.values().stream().filter(a -> follow.values().stream().filter(a::equals).count() > 1).distinct().toList();
    for (String alias : seenTwice) {
      f.problems().add(f.path("follow"), "alias '" + alias + "' follows two registry aliases (expected: one registry alias per alias here)");
    }
    Fields s = f.mapping("serving", "a mapping such as {endpoints: [http://vllm:8000], served_model: \"support-agent-{version}\"}");
    List<String> endpoints = s.texts("endpoints", List.of());
    String servedModel = s.text("served_model", model.path().substring(model.path().indexOf('.') + 1));
    String apiKeyEnv = s.text("api_key_env", null);
    s.finish();
    if (apiKeyEnv != null) {
      SettingsReader.envName(f.problems(), s.path("api_key_env"), apiKeyEnv);
    }
    Serving serving = new Serving(endpoints, servedModel, apiKeyEnv);
    for (String problem : serving.problems()) {
      f.problems().addUnplaced(s.path() + "." + problem);
    }
    for (int i = 0; i < endpoints.size(); i++) {
      SettingsReader.httpUrl(s, "endpoints[" + i + "]", endpoints.get(i));
    }
    String mode = f.text("on_new_version", OnNewVersion.ROLLOUT.wireName());
    OnNewVersion onNewVersion = OnNewVersion.ROLLOUT;
    if (mode.equals(OnNewVersion.SWITCH.wireName())) {
      onNewVersion = OnNewVersion.SWITCH;
    } else if (!mode.equals(OnNewVersion.ROLLOUT.wireName())) {
      f.problems().add(f.path("on_new_version"), Messages.quote(mode) + " (expected: rollout or switch)");
    }
    Fields w = f.mapping("write_back", "a mapping such as {status: true, move_alias_back_on_rollback: false}");
    boolean status = w.flag("status", true);
    boolean moveBack = w.flag("move_alias_back_on_rollback", false);
    w.finish();
    f.finish();
    return new SourceConfig(registry, path, follow, serving, onNewVersion, status, moveBack);
  }

  /**
   * What the sources, the registries and the models must agree on: each source names a registry,
   * and an alias that rolls out the registry's versions has the SLO its steps are judged by.
   */
  static void check(Map<String, RegistryConfig> registries, Map<String, SourceConfig> sources, Registry declared, Problems problems) {
    sources.forEach((modelName, source) -> {
      String at = "models." + modelName + ".source";
      if (!source.registry().isEmpty() && !registries.containsKey(source.registry())) {
        problems.add(at + ".registry", Messages.quote(source.registry()) + " is not under registries"
            + (registries.isEmpty() ? " (there are none: declare it under registries)" : " (expected one of: " + String.join(", ", registries.keySet()) + ")"));
      }
      RegistryConfig registry = registries.get(source.registry());
      if (registry != null && registry.kind() == RegistryConfig.Kind.WANDB) {
        checkWandbNames(source, at, problems);
      }
      Model model = declared.models().get(modelName);
      source.follow().forEach((registryAlias, alias) -> {
        Alias declaredAlias = model == null ? null : model.aliases().get(alias);
        if (source.onNewVersion() == OnNewVersion.ROLLOUT && (declaredAlias == null || declaredAlias.slo() == null)) {
          problems.add(at + ".follow." + registryAlias, "alias '" + alias + "' has no slo, which judges each step of a rollout "
              + "(expected: models." + modelName + ".aliases." + alias + ".slo, or source.on_new_version: switch)");
        }
      });
    });
  }

  /** The client's own checks, so a path or alias W&B cannot be asked about is refused at load, not on every poll. */
  private static void checkWandbNames(SourceConfig source, String at, Problems problems) {
    try {
      WandbClient.checkPath(source.path());
    } catch (IllegalArgumentException e) {
      problems.add(at + ".path", afterKey(e));
    }
    for (String registryAlias : source.follow().keySet()) {
      try {
        WandbClient.checkAlias(registryAlias);
      } catch (IllegalArgumentException e) {
        problems.add(at + ".follow." + registryAlias, "is not a W&B alias: " + afterKey(e));
      }
    }
  }

  /** {@code "x" (expected: …)} from the client's {@code key: "x" (expected: …)}. */
  private static String afterKey(IllegalArgumentException e) {
    String message = e.getMessage();
    return message.substring(message.indexOf(": ") + 2);
  }
}
