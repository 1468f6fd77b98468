package dev.modelgate.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelgate.core.Messages;
import dev.modelgate.core.cache.CachePath;
import dev.modelgate.core.cache.CachePolicy;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.HealthCheck;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.Segment;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.rollout.Delivery;
import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.gateway.schema.Schema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code models} into router-core records. It checks only what the YAML can get wrong (keys,
 * types, durations, required keys); names, weight ranges and sums, endpoints URLs and references
 * to versions are {@link dev.modelgate.core.registry.RegistryRules}' to judge.
 *
 * <p>An alias's {@code rollout}, {@code segments} and {@code shadow} are read into a {@link Delivery}
 * and judged at once by {@link Delivery#problems}. They are kept beside the registry rather than on
 * the {@link Alias}, so the ledger's {@code config} events stay as they were: {@link #read} returns
 * both, and a rollout's event carries the plan it started with. An alias's {@code cache} is kept
 * beside it the same way.
 */
final class RegistryReader {
  /** Aliases from the file start at revision 1; every later change adds one. */
  static final long CONFIG_REVISION = 1;

  private static final String WEIGHT = "an integer from 0 to 100";
  private static final String SEGMENT = "a mapping such as {header: x-user-tier, values: [internal, staff]} or {body: user, prefix: emp-}";

  private RegistryReader() {}

  /**
   * The registry a config file seeds and, beside it, what its aliases declare about delivery.
   *
   * @param deliveries model → alias → delivery, only for aliases that declare one
   * @param caches model → alias → cache policy, only for aliases that declare one
   */
  record Read(Registry registry, Map<String, Map<String, Delivery>> deliveries, Map<String, Map<String, CachePolicy>> caches,
      Map<String, SourceConfig> sources) {
    Read {
      deliveries = GatewayConfig.perAlias(deliveries);
      caches = GatewayConfig.perAlias(caches);
      sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    }

    /** The delivery {@code alias} of {@code model} declares; {@link Delivery#NONE} when it declares none. */
    Delivery delivery(String model, String alias) {
      return deliveries.getOrDefault(model, Map.of()).getOrDefault(alias, Delivery.NONE);
    }
  }

  /** Reads the models in {@code top}'s tree. */
  static Read read(Fields top) {
    return new Models(top.problems()).read(top);
  }

  /**
   * The models of one config, read one at a time: those {@link YamlTree} hands over while it walks
   * the file ({@link #add}), then any still in the tree ({@link #read}). What they get wrong is
   * found early and listed after the settings' problems, where a reader of the whole tree lists it.
   */
  static final class Models {
    private final Problems problems;
    private final Problems found;
    private final Map<String, Model> byName = new LinkedHashMap<>();
    private final Map<String, Map<String, Delivery>> deliveries = new LinkedHashMap<>();
    private final Map<String, Map<String, CachePolicy>> caches = new LinkedHashMap<>();
    private final Map<String, SourceConfig> sources = new LinkedHashMap<>();

    Models(Problems problems) {
      this.problems = problems;
      this.found = problems.deferred();
    }

    /** Reads the model {@code name} of the top-level {@code models} mapping. */
    void add(String name, JsonNode value) {
      Map<String, Delivery> modelDeliveries = new LinkedHashMap<>();
      Map<String, CachePolicy> modelCaches = new LinkedHashMap<>();
      Fields modelField = Fields.of(value, "models." + name, "a mapping with versions and aliases", found);
      SourceConfig source = SourceReader.source(modelField);
      if (source != null) {
        sources.put(name, source);
      }
      byName.put(name, model(name, modelField, modelDeliveries, modelCaches, source == null ? List.of() : source.follow().values()));
      if (!modelDeliveries.isEmpty()) {
        deliveries.put(name, modelDeliveries);
      }
      if (!modelCaches.isEmpty()) {
        caches.put(name, modelCaches);
      }
    }

    /** Every model, those of {@code top}'s {@code models} mapping added first. */
    Read read(Fields top) {
      boolean declared = top.has("models");
      if (!declared) {
        top.missing("models", "a mapping of model name to model, e.g. {support-agent: {versions: …, aliases: …}}; {} for none");
      } else {
        Fields models = top.mapping("models", "a mapping of model name to model, e.g. {support-agent: {versions: …, aliases: …}}");
        for (Map.Entry<String, JsonNode> e : models.entries()) {
          add(e.getKey(), e.getValue());
        }
      }
      problems.addDeferred(found);
      return new Read(declared ? new Registry(byName) : Registry.EMPTY, deliveries, caches, sources);
    }
  }

  /** @param followed the aliases that follow a registry, which may leave their weights to it */
  private static Model model(String name, Fields f, Map<String, Delivery> deliveries, Map<String, CachePolicy> caches,
      Collection<String> followed) {
    String defaultAlias = f.text("default_alias", Model.DEFAULT_ALIAS);
    String description = f.text("description", null);
    String owner = f.text("owner", null);
    List<String> tags = f.texts("tags", List.of());
    Fields versionsField = f.mapping("versions", "a mapping of version id to version, e.g. {v7: {artifact: …}}");
    Map<String, ModelVersion> versions = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : versionsField.entries()) {
      String id = e.getKey();
      versions.put(id, version(id, Fields.of(e.getValue(), versionsField.path(id), "a mapping with artifact, served_model and endpoints", f.problems())));
    }
    Fields aliasesField = f.mapping("aliases", "a mapping of alias name to alias, e.g. {production: {weights: {v7: 100}}}");
    Map<String, Alias> aliases = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : aliasesField.entries()) {
      String alias = e.getKey();
      Fields aliasField = Fields.of(e.getValue(), aliasesField.path(alias), "a mapping with weights and stable", f.problems());
      boolean awaitsSync = followed.contains(alias) && !aliasField.has("weights") && !aliasField.has("stable");
      Alias read = awaitsSync ? policyOnly(alias, aliasField) : alias(alias, aliasField);
      Delivery delivery = delivery(aliasField, versions.keySet(), read.slo() != null);
      CachePolicy cache = aliasField.has("cache")
          ? cache(aliasField.mapping("cache", "a mapping such as {ttl: 10m, paths: [embeddings, chat, completions]}")) : null;
      aliasField.finish();
      if (cache != null) {
        caches.put(alias, cache);
      }
      aliases.put(alias, read);
      if (!delivery.equals(Delivery.NONE)) {
        deliveries.put(alias, delivery);
      }
    }
    f.finish();
    return new Model(name, defaultAlias, description, owner, tags, versions, aliases);
  }

  private static ModelVersion version(String id, Fields f) {
    String artifact = f.requiredText("artifact", "the URI of the exact binary, e.g. wandb-artifact://acme/llm/support-agent:v8");
    String servedModel = f.requiredText("served_model", "the name the backend serves this version under");
    List<String> endpoints = f.texts("endpoints", null);
    if (endpoints == null) {
      if (!f.has("endpoints")) {
        f.missing("endpoints", "a list of base URLs, e.g. [http://127.0.0.1:9001]");
      }
      endpoints = List.of();
    }
    String apiKeyEnv = f.text("api_key_env", null);
    Map<String, Object> lineage = lineage(f);
    HealthCheck healthCheck = null;
    if (f.has("health_check")) {
      Fields h = f.mapping("health_check", "a mapping such as {path: /health, interval: 5s, timeout: 1s}");
      healthCheck = new HealthCheck(
          h.text("path", HealthCheck.DEFAULT_PATH),
          h.duration("interval", HealthCheck.DEFAULT_INTERVAL),
          h.duration("timeout", HealthCheck.DEFAULT_TIMEOUT));
      h.finish();
    }
    f.finish();
    return new ModelVersion(id, artifact, servedModel, endpoints, apiKeyEnv, lineage, healthCheck);
  }

  private static Alias alias(String name, Fields f) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    boolean weightsRead = weights(f, weights);
    String stable = f.text("stable", null);
    if (stable == null) {
      stable = inferStable(f, weights, weightsRead);
    }
    Alias policy = policyOnly(name, f);
    return new Alias(name, weights, stable, CONFIG_REVISION, policy.slo(), policy.sticky());
  }

  // An alias's policy (sticky, slo) without routing: all a followed alias needs until its first sync.
  private static Alias policyOnly(String name, Fields f) {
    StickyKey sticky = null;
    String stickyText = f.text("sticky", null);
    if (stickyText != null) {
      try {
        sticky = StickyKey.parse(stickyText);
      } catch (IllegalArgumentException e) {
        f.problems().add(f.path("sticky"), e.getMessage());
      }
    }
    SloPolicy slo = f.has("slo") ? slo(f.mapping("slo", "a mapping such as {max_error_rate: 0.05, max_p99_latency: 2s}")) : null;
    return Alias.awaitingSync(name, slo, sticky);
  }

  /** The alias's delivery keys, judged by {@link Delivery#problems} once read. */
  private static Delivery delivery(Fields f, Collection<String> versions, boolean guarded) {
    List<Segment> segments = new ArrayList<>();
    if (f.has("segments")) {
      Fields all = f.mapping("segments", "a mapping of segment name to segment, e.g. {internal: {header: x-user-tier, values: [internal]}}");
      for (Map.Entry<String, JsonNode> e : all.entries()) {
        segments.add(segment(e.getKey(), Fields.of(e.getValue(), all.path(e.getKey()), SEGMENT, f.problems())));
      }
    }
    RolloutPlan rollout = f.has("rollout")
        ? rollout(f.mapping("rollout", "a mapping such as {steps: [5, 25, 50, 100], step_interval: 10m, min_requests: 200}")) : null;
    Delivery.Shadow shadow = f.has("shadow") ? shadow(f.mapping("shadow", "a mapping such as {version: v9, percent: 10}")) : null;
    Delivery delivery = new Delivery(rollout, segments, shadow);
    List<String> problems = new ArrayList<>();
    for (String problem : delivery.problems(versions, guarded)) {
      problems.add(f.path() + "." + problem);
    }
    f.problems().addRegistryProblems(problems);
    return delivery;
  }

  /** {@code null} when a problem was reported. */
  private static CachePolicy cache(Fields f) {
    Duration ttl = f.duration("ttl", CachePolicy.DEFAULT_TTL);
    boolean valid = true;
    if (ttl.isZero()) {
      f.problems().add(f.path("ttl"), "0 (expected: more than 0, e.g. 10m)");
      valid = false;
    }
    List<String> names = f.texts("paths", null);
    EnumSet<CachePath> paths = EnumSet.noneOf(CachePath.class);
    if (names == null) {
      paths.addAll(CachePolicy.DEFAULT_PATHS);
      valid &= !f.has("paths");
    } else if (names.isEmpty()) {
      f.problems().add(f.path("paths"), "[] (expected: at least one of " + CachePath.EXPECTED + "; no cache key for none)");
      valid = false;
    }
    for (int i = 0; names != null && i < names.size(); i++) {
      CachePath path = CachePath.ofKey(names.get(i));
      if (path == null) {
        f.problems().add(f.path("paths") + "[" + i + "]", Messages.quote(names.get(i)) + " (expected: " + CachePath.EXPECTED + ")");
        valid = false;
      } else if (!paths.add(path)) {
        f.problems().add(f.path("paths") + "[" + i + "]", Messages.quote(names.get(i)) + " is listed twice (expected: each path once)");
        valid = false;
      }
    }
    f.finish();
    return valid ? new CachePolicy(ttl, paths) : null;
  }

  private static Segment segment(String name, Fields f) {
    String header = f.text("header", null);
    List<String> values = f.texts("values", null);
    String body = f.text("body", null);
    String prefix = f.text("prefix", null);
    f.finish();
    Problems problems = f.problems();
    if (header != null && body != null) {
      problems.add(f.path(), "has both header and body (expected: one of them: " + SEGMENT + ")");
    } else if (header != null) {
      if (prefix != null) {
        problems.add(f.path("prefix"), "goes with body, not header (expected: values: [...] with header)");
      }
      if (!f.has("values")) {
        f.missing("values", "the header values that belong to the segment, e.g. [internal, staff]");
      }
      return new Segment(name, new Segment.HeaderValues(header.toLowerCase(Locale.ROOT), values == null ? List.of() : values));
    } else if (body != null) {
      if (values != null) {
        problems.add(f.path("values"), "goes with header, not body (expected: prefix: … with body)");
      }
      if (!f.has("prefix")) {
        f.missing("prefix", "the start of the field's value, e.g. emp-");
      }
      return new Segment(name, new Segment.BodyPrefix(body, prefix == null ? "" : prefix));
    } else {
      problems.add(f.path(), "matches no request (expected: " + SEGMENT + ")");
    }
    // A placeholder, so that segment_first still finds it; the rules' complaints about it repeat the one above and are dropped.
    return new Segment(name, new Segment.HeaderValues("", List.of()));
  }

  private static RolloutPlan rollout(Fields f) {
    String percent = "an integer percent, e.g. 25";
    List<Integer> steps = f.integers("steps", RolloutPlan.DEFAULT_STEPS, percent);
    if (steps == null) {
      f.problems().spoil(f.path("steps"));
      // Whether a step exists cannot be judged on steps that could not be read.
      f.problems().spoil(f.path("approval_before"));
      steps = List.of();
    }
    Duration stepInterval = f.duration("step_interval", RolloutPlan.DEFAULT_STEP_INTERVAL);
    int minRequests = (int) f.integer("min_requests", Integer.MIN_VALUE, Integer.MAX_VALUE, RolloutPlan.DEFAULT_MIN_REQUESTS, "an integer, e.g. 200");
    List<Integer> approvalBefore = f.integers("approval_before", List.of(), percent);
    if (approvalBefore == null) {
      f.problems().spoil(f.path("approval_before"));
      approvalBefore = List.of();
    }
    RolloutPlan.ShadowPhase shadow = null;
    if (f.has("shadow")) {
      Fields s = f.mapping("shadow", "a mapping such as {percent: 10, duration: 5m}");
      shadow = new RolloutPlan.ShadowPhase(percent(s), s.duration("duration", stepInterval));
      s.finish();
    }
    String segmentFirst = f.text("segment_first", null);
    f.finish();
    return new RolloutPlan(steps, stepInterval, minRequests, approvalBefore, shadow, segmentFirst);
  }

  private static Delivery.Shadow shadow(Fields f) {
    String version = f.requiredText("version", "the version to mirror requests to, e.g. v9");
    Delivery.Shadow shadow = new Delivery.Shadow(version, percent(f));
    f.finish();
    return shadow;
  }

  /** The required share of requests to mirror; a missing or mistyped one is reported here, so the rules do not judge it again. */
  private static int percent(Fields f) {
    if (!f.has("percent")) {
      f.missing("percent", "the percent of the alias's requests to mirror, e.g. 10");
      return 0;
    }
    return (int) f.integer("percent", Integer.MIN_VALUE, Integer.MAX_VALUE, 0, "an integer percent, e.g. 10");
  }

  /**
   * Fills {@code weights}; false when they could not all be read, so that neither the sum nor the
   * stable version can be judged from them.
   */
  private static boolean weights(Fields f, Map<String, Integer> weights) {
    if (!f.has("weights")) {
      f.missing("weights", "version weights summing to 100, e.g. {v7: 90, v8: 10}");
      f.problems().spoil(f.path("stable"));
      return false;
    }
    Fields w = f.mapping("weights", "version weights summing to 100, e.g. {v7: 90, v8: 10}");
    boolean allRead = f.value("weights").isObject();
    for (Map.Entry<String, JsonNode> e : w.entries()) {
      JsonNode value = e.getValue();
      if (value.isIntegralNumber() && value.canConvertToInt()) {
        weights.put(e.getKey(), value.intValue());
      } else {
        // Kept as null so RegistryRules still checks the version name; its range complaint is dropped.
        weights.put(e.getKey(), null);
        f.problems().add(w.path(e.getKey()), Fields.describe(value) + " (expected: " + WEIGHT + ")");
        allRead = false;
      }
    }
    if (!allRead) {
      f.problems().spoil(w.path());
      f.problems().spoil(f.path("stable"));
    }
    return allRead;
  }

  private static String inferStable(Fields f, Map<String, Integer> weights, boolean weightsRead) {
    List<String> full = new ArrayList<>();
    weights.forEach((version, weight) -> {
      if (weight != null && weight == 100) {
        full.add(version);
      }
    });
    if (full.size() == 1) {
      return full.get(0);
    }
    // Empty weights are RegistryRules' to report; a missing stable would only echo them.
    if (weightsRead && !weights.isEmpty()) {
      f.missing("stable", "the version a rollback sends 100 % to; it may be left out only when one version has weight 100");
    }
    return "";
  }

  private static SloPolicy slo(Fields f) {
    int intMax = Integer.MAX_VALUE;
    SloPolicy slo = new SloPolicy(
        f.duration("window", SloPolicy.DEFAULT_WINDOW),
        f.duration("evaluation_interval", SloPolicy.DEFAULT_EVALUATION_INTERVAL),
        (int) f.integer("min_requests", Integer.MIN_VALUE, intMax, SloPolicy.DEFAULT_MIN_REQUESTS, "an integer, e.g. 50"),
        f.number("max_error_rate", SloPolicy.DEFAULT_MAX_ERROR_RATE),
        f.duration("max_p99_latency", SloPolicy.DEFAULT_MAX_P99_LATENCY),
        f.number("relative_to_stable", null),
        (int) f.integer("breaches_to_revert", Integer.MIN_VALUE, intMax, SloPolicy.DEFAULT_BREACHES_TO_REVERT, "an integer, e.g. 2"),
        f.duration("cooldown", SloPolicy.DEFAULT_COOLDOWN));
    f.finish();
    return slo;
  }

  /** Free provenance metadata, as plain Java values: String, Number, Boolean, List and Map. */
  private static Map<String, Object> lineage(Fields f) {
    JsonNode value = f.value("lineage");
    if (value == null) {
      return Map.of();
    }
    if (!value.isObject()) {
      f.problems().add(f.path("lineage"), Fields.describe(value) + " (expected: a mapping, e.g. {base_model: …, dataset_version: …})");
      return Map.of();
    }
    // Converted only when every value is plain: the version could not hold the others.
    return allPlain(value, f.path("lineage"), f.problems()) ? Schema.plain((ObjectNode) value) : Map.of();
  }

  /**
   * Reports each value a ledger could not write back as read (binary, NaN) and each null: in YAML
   * a key with nothing after it is more likely unfinished than meant, and "unknown" is better
   * written out.
   */
  private static boolean allPlain(JsonNode value, String path, Problems problems) {
    boolean plain = true;
    if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        plain &= allPlain(value.get(i), path + "[" + i + "]", problems);
      }
    } else if (value.isObject()) {
      for (Map.Entry<String, JsonNode> e : value.properties()) {
        plain &= allPlain(e.getValue(), path + "." + e.getKey(), problems);
      }
    } else if (value.isNull()) {
      problems.add(path, "has no value (expected: a string, number, boolean, list or mapping)");
      plain = false;
    } else if (!value.isTextual() && !value.isBoolean() && !(value.isNumber() && Double.isFinite(value.doubleValue()))) {
      problems.add(path, Fields.describe(value) + " (expected: a string, finite number, boolean, list or mapping)");
      plain = false;
    }
    return plain;
  }
}
