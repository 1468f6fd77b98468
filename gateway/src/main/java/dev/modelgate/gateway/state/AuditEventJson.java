package dev.modelgate.gateway.state;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelgate.core.Durations;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.HealthCheck;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.slo.SloPolicy;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON of an audit event (SPEC §4), one object, in the ledger file, the audit query and
 * webhooks alike:
 * <pre>
 * {"seq":3,"time":"2026-05-01T12:00:03Z","actor":"ops","action":"set_weights","model":"support-agent",
 *  "alias":"production","before":{"weights":{"v7":90,"v8":10},"stable":"v7","revision":1},
 *  "after":{"weights":{"v7":50,"v8":50},"stable":"v7","revision":2},"reason":"canary","evidence":{}}
 * </pre>
 * {@code before}/{@code after} use the config file's snake_case keys: a version for
 * {@code register_version} (with its id under {@code version}, as the admin API takes it), an
 * alias's {@code weights}/{@code stable}/{@code revision} for the alias moves, a whole model for
 * {@code config}. Durations are written as {@code 5s}. The ten top-level keys are always written;
 * optional keys inside are left out when absent.
 *
 * <p>Reading is strict: a missing key, a wrong type or an unknown key is an error naming its path,
 * because a ledger written by this code never has one, and guessing would silently change state.
 * Numbers in evidence and lineage come back as the smallest Java type that holds them
 * ({@code Integer}, {@code Long}, {@code Double}, …).
 */
public final class AuditEventJson {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AuditEventJson() {}

  /** The event as one line of JSON, without the newline. */
  public static String write(AuditEvent event) {
    try {
      return MAPPER.writeValueAsString(toTree(event));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write event seq " + event.seq() + ": " + e.getMessage(), e);
    }
  }

  public static ObjectNode toTree(AuditEvent event) {
    ObjectNode out = NODES.objectNode();
    out.put("seq", event.seq());
    out.put("time", event.time().toString());
    out.put("actor", event.actor());
    out.put("action", event.action().wireName());
    out.put("model", event.model());
    out.put("alias", event.alias());
    Change change = event.change();
    if (change instanceof Change.VersionRegistered registered) {
      out.putNull("before");
      out.set("after", version(registered.version(), true));
    } else if (change instanceof Change.AliasChanged moved) {
      out.set("before", moved.before() == null ? NODES.nullNode() : aliasState(moved.before()));
      out.set("after", aliasState(moved.after()));
    } else if (change instanceof Change.ModelDeclared declared) {
      out.set("before", declared.before() == null ? NODES.nullNode() : model(declared.before()));
      out.set("after", declared.after() == null ? NODES.nullNode() : model(declared.after()));
    }
    out.put("reason", event.reason());
    out.set("evidence", MAPPER.valueToTree(event.evidence()));
    return out;
  }

  /**
   * Reads one event.
   *
   * @throws IllegalArgumentException naming the key path and what is wrong
   */
  public static AuditEvent read(String json) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
    }
    return fromTree(tree);
  }

  /** Reads one event from bytes as they lie in a file, so invalid UTF-8 is an error too. */
  static AuditEvent read(byte[] json, int length) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(MAPPER.getFactory().createParser(json, 0, length));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + (e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage()));
    }
    if (tree == null) {
      throw new IllegalArgumentException("is empty (expected: one JSON object)");
    }
    return fromTree(tree);
  }

  public static AuditEvent fromTree(JsonNode tree) {
    In in = In.object(tree, "");
    long seq = in.integer("seq", 1, Long.MAX_VALUE);
    Instant time = in.instant("time");
    String actor = in.text("actor");
    Action action = in.action("action");
    String model = in.text("model");
    String alias = in.optText("alias");
    Change change;
    switch (action) {
      case REGISTER_VERSION -> {
        in.requireNull("before");
        In after = in.object("after");
        change = new Change.VersionRegistered(version(after, after.text("version")));
      }
      case CONFIG -> {
        In before = in.optObject("before");
        In after = in.optObject("after");
        change = new Change.ModelDeclared(before == null ? null : model(before, model), after == null ? null : model(after, model));
      }
      default -> {
        In before = in.optObject("before");
        change = new Change.AliasChanged(before == null ? null : aliasState(before), aliasState(in.object("after")));
      }
    }
    String reason = in.optText("reason");
    Map<String, Object> evidence = in.plainObject("evidence");
    in.finish();
    try {
      return new AuditEvent(seq, time, actor, action, model, alias, change, reason, evidence);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("inconsistent event: " + e.getMessage());
    }
  }

  /** A model as the admin API shows it: the same snake_case form the ledger stores. */
  public static ObjectNode modelTree(Model model) {
    ObjectNode out = NODES.objectNode();
    out.put("name", model.name());
    out.setAll(model(model));
    return out;
  }

  /** A version as the admin API shows it, with its id. */
  public static ObjectNode versionTree(ModelVersion version) {
    return version(version, true);
  }

  /** An alias as the admin API shows it. */
  public static ObjectNode aliasTree(Alias alias) {
    return alias(alias);
  }

  /**
   * Reads a version as the admin API receives it ({@code {"version":"v9","artifact":…}}), strictly:
   * unknown keys and wrong types are refused with their path.
   */
  public static ModelVersion readVersion(JsonNode body) {
    In in = In.object(body, "body");
    return version(in, in.text("version"));
  }

  private static ObjectNode version(ModelVersion v, boolean withId) {
    ObjectNode out = NODES.objectNode();
    if (withId) {
      out.put("version", v.id());
    }
    out.put("artifact", v.artifact());
    out.put("served_model", v.servedModel());
    ArrayNode endpoints = out.putArray("endpoints");
    v.endpoints().forEach(endpoints::add);
    if (v.apiKeyEnv() != null) {
      out.put("api_key_env", v.apiKeyEnv());
    }
    out.set("lineage", MAPPER.valueToTree(v.lineage()));
    HealthCheck h = v.healthCheck();
    if (h != null) {
      ObjectNode health = out.putObject("health_check");
      health.put("path", h.path());
      health.put("interval", Durations.format(h.interval()));
      health.put("timeout", Durations.format(h.timeout()));
    }
    return out;
  }

  private static ModelVersion version(In in, String id) {
    String artifact = in.text("artifact");
    String servedModel = in.text("served_model");
    List<String> endpoints = in.texts("endpoints");
    String apiKeyEnv = in.optText("api_key_env");
    Map<String, Object> lineage = in.plainObject("lineage");
    In h = in.optObject("health_check");
    HealthCheck health = null;
    if (h != null) {
      health = new HealthCheck(h.text("path"), h.duration("interval"), h.duration("timeout"));
      h.finish();
    }
    in.finish();
    return new ModelVersion(id, artifact, servedModel, endpoints, apiKeyEnv, lineage, health);
  }

  private static ObjectNode aliasState(AliasState state) {
    ObjectNode out = NODES.objectNode();
    out.set("weights", weights(state.weights()));
    out.put("stable", state.stable());
    out.put("revision", state.revision());
    return out;
  }

  private static AliasState aliasState(In in) {
    AliasState state = new AliasState(in.weights("weights"), in.text("stable"), in.integer("revision", 0, Long.MAX_VALUE));
    in.finish();
    return state;
  }

  private static ObjectNode weights(Map<String, Integer> weights) {
    ObjectNode out = NODES.objectNode();
    weights.forEach(out::put);
    return out;
  }

  private static ObjectNode model(Model m) {
    ObjectNode out = NODES.objectNode();
    out.put("default_alias", m.defaultAlias());
    if (m.description() != null) {
      out.put("description", m.description());
    }
    if (m.owner() != null) {
      out.put("owner", m.owner());
    }
    ArrayNode tags = out.putArray("tags");
    m.tags().forEach(tags::add);
    ObjectNode versions = out.putObject("versions");
    m.versions().forEach((id, v) -> versions.set(id, version(v, false)));
    ObjectNode aliases = out.putObject("aliases");
    m.aliases().forEach((name, a) -> aliases.set(name, alias(a)));
    return out;
  }

  private static Model model(In in, String name) {
    String defaultAlias = in.text("default_alias");
    String description = in.optText("description");
    String owner = in.optText("owner");
    List<String> tags = in.texts("tags");
    Map<String, ModelVersion> versions = new LinkedHashMap<>();
    In v = in.object("versions");
    for (String id : v.keys()) {
      versions.put(id, version(v.object(id), id));
    }
    Map<String, Alias> aliases = new LinkedHashMap<>();
    In a = in.object("aliases");
    for (String alias : a.keys()) {
      aliases.put(alias, alias(a.object(alias), alias));
    }
    in.finish();
    return new Model(name, defaultAlias, description, owner, tags, versions, aliases);
  }

  private static ObjectNode alias(Alias a) {
    ObjectNode out = aliasState(AliasState.of(a));
    if (a.sticky() != null) {
      out.put("sticky", a.sticky().toString());
    }
    SloPolicy slo = a.slo();
    if (slo != null) {
      ObjectNode s = out.putObject("slo");
      s.put("window", Durations.format(slo.window()));
      s.put("evaluation_interval", Durations.format(slo.evaluationInterval()));
      s.put("min_requests", slo.minRequests());
      s.put("max_error_rate", slo.maxErrorRate());
      s.put("max_p99_latency", Durations.format(slo.maxP99Latency()));
      if (slo.relativeToStable() != null) {
        s.put("relative_to_stable", slo.relativeToStable());
      }
      s.put("breaches_to_revert", slo.breachesToRevert());
      s.put("cooldown", Durations.format(slo.cooldown()));
    }
    return out;
  }

  private static Alias alias(In in, String name) {
    Map<String, Integer> weights = in.weights("weights");
    String stable = in.text("stable");
    long revision = in.integer("revision", 0, Long.MAX_VALUE);
    String stickyText = in.optText("sticky");
    StickyKey sticky = null;
    if (stickyText != null) {
      try {
        sticky = StickyKey.parse(stickyText);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(in.path("sticky") + ": " + e.getMessage());
      }
    }
    In s = in.optObject("slo");
    SloPolicy slo = null;
    if (s != null) {
      slo = new SloPolicy(s.duration("window"), s.duration("evaluation_interval"),
          (int) s.integer("min_requests", Integer.MIN_VALUE, Integer.MAX_VALUE), s.number("max_error_rate"),
          s.duration("max_p99_latency"), s.optNumber("relative_to_stable"),
          (int) s.integer("breaches_to_revert", Integer.MIN_VALUE, Integer.MAX_VALUE), s.duration("cooldown"));
      s.finish();
    }
    in.finish();
    return new Alias(name, weights, stable, revision, slo, sticky);
  }

  /** One JSON object being read: typed getters that name the key's path, and an unknown-key check. */
  private static final class In {
    private final JsonNode node;
    private final String path;
    private final Set<String> read = new HashSet<>();

    private In(JsonNode node, String path) {
      this.node = node;
      this.path = path;
    }

    static In object(JsonNode node, String path) {
      if (node == null || !node.isObject()) {
        throw wrong(path.isEmpty() ? "the line" : path, node, "an object");
      }
      return new In(node, path);
    }

    String path(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    List<String> keys() {
      List<String> keys = new ArrayList<>();
      node.fieldNames().forEachRemaining(keys::add);
      return keys;
    }

    private JsonNode required(String key) {
      read.add(key);
      JsonNode value = node.get(key);
      if (value == null) {
        throw new IllegalArgumentException(path(key) + ": missing");
      }
      return value;
    }

    private JsonNode optional(String key) {
      read.add(key);
      JsonNode value = node.get(key);
      return value == null || value.isNull() ? null : value;
    }

    String text(String key) {
      JsonNode value = required(key);
      if (!value.isTextual()) {
        throw wrong(path(key), value, "a string");
      }
      return value.textValue();
    }

    String optText(String key) {
      JsonNode value = optional(key);
      if (value != null && !value.isTextual()) {
        throw wrong(path(key), value, "a string or null");
      }
      return value == null ? null : value.textValue();
    }

    void requireNull(String key) {
      JsonNode value = optional(key);
      if (value != null) {
        throw wrong(path(key), value, "null");
      }
    }

    long integer(String key, long min, long max) {
      JsonNode value = required(key);
      if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
        throw wrong(path(key), value, "an integer from " + min + " to " + max);
      }
      return value.longValue();
    }

    double number(String key) {
      JsonNode value = required(key);
      if (!value.isNumber()) {
        throw wrong(path(key), value, "a number");
      }
      return value.doubleValue();
    }

    Double optNumber(String key) {
      JsonNode value = optional(key);
      if (value != null && !value.isNumber()) {
        throw wrong(path(key), value, "a number or null");
      }
      return value == null ? null : value.doubleValue();
    }

    Duration duration(String key) {
      String text = text(key);
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(path(key) + ": " + e.getMessage());
      }
    }

    Instant instant(String key) {
      String text = text(key);
      try {
        return Instant.parse(text);
      } catch (DateTimeException e) {
        throw new IllegalArgumentException(path(key) + ": '" + text + "' (expected: an ISO-8601 UTC time such as 2026-05-01T12:00:00Z)");
      }
    }

    Action action(String key) {
      String text = text(key);
      try {
        return Action.fromWireName(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(path(key) + ": " + e.getMessage());
      }
    }

    In object(String key) {
      return In.object(required(key), path(key));
    }

    In optObject(String key) {
      JsonNode value = optional(key);
      return value == null ? null : In.object(value, path(key));
    }

    List<String> texts(String key) {
      JsonNode value = required(key);
      if (!value.isArray()) {
        throw wrong(path(key), value, "a list of strings");
      }
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < value.size(); i++) {
        if (!value.get(i).isTextual()) {
          throw wrong(path(key) + "[" + i + "]", value.get(i), "a string");
        }
        texts.add(value.get(i).textValue());
      }
      return texts;
    }

    Map<String, Integer> weights(String key) {
      In w = object(key);
      Map<String, Integer> weights = new LinkedHashMap<>();
      for (String version : w.keys()) {
        weights.put(version, (int) w.integer(version, 0, 100));
      }
      return weights;
    }

    Map<String, Object> plainObject(String key) {
      JsonNode value = required(key);
      if (!value.isObject()) {
        throw wrong(path(key), value, "an object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) plain(value);
      return map;
    }

    void finish() {
      for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!read.contains(name)) {
          throw new IllegalArgumentException(path(name) + ": unknown key");
        }
      }
    }

    private static Object plain(JsonNode value) {
      if (value.isObject()) {
        Map<String, Object> map = new LinkedHashMap<>();
        value.properties().forEach(e -> map.put(e.getKey(), plain(e.getValue())));
        return map;
      }
      if (value.isArray()) {
        List<Object> list = new ArrayList<>(value.size());
        value.forEach(item -> list.add(plain(item)));
        return list;
      }
      if (value.isTextual()) {
        return value.textValue();
      }
      if (value.isNumber()) {
        return value.numberValue();
      }
      if (value.isBoolean()) {
        return value.booleanValue();
      }
      return null;
    }

    private static IllegalArgumentException wrong(String path, JsonNode value, String expected) {
      String got = value == null ? "missing" : value.isNull() ? "null" : value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + abbreviate(value.toString());
      return new IllegalArgumentException(path + ": " + got + " (expected: " + expected + ")");
    }

    private static String abbreviate(String text) {
      return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }
  }
}
