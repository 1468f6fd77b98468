package dev.modelgate.gateway.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.slo.WindowSnapshot;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.rollout.SloGuard;
import dev.modelgate.gateway.state.AuditEventJson;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.RoutingState;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The operations of the admin API (SPEC §4); {@link AdminRoutes} authenticates each call, checks
 * its role and reads its body before it gets here. Every change goes through the {@link
 * ControlPlane}: decided against the current registry on its one writer thread, folded, recorded in
 * the ledger, and only then routed — so the data plane obeys it on the next request, and a refused
 * call writes nothing.
 */
public final class AdminApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DEFAULT_AUDIT_LIMIT = 100;
  private static final int MAX_AUDIT_LIMIT = 1000;

  private final AdminAuth auth;
  private final RoutingState routing;
  private final ControlPlane controlPlane;
  private final SloGuard sloGuard;
  private final GatewayMetrics metrics;
  private final Duration readTimeout;

  /** @param readTimeout how long after its head a request's body may take to arrive */
  public AdminApi(AdminAuth auth, RoutingState routing, ControlPlane controlPlane, SloGuard sloGuard, GatewayMetrics metrics, Duration readTimeout) {
    this.auth = requireNonNull(auth, "auth");
    this.routing = requireNonNull(routing, "routing");
    this.controlPlane = requireNonNull(controlPlane, "controlPlane");
    this.sloGuard = requireNonNull(sloGuard, "sloGuard");
    this.metrics = requireNonNull(metrics, "metrics");
    this.readTimeout = requireNonNull(readTimeout, "readTimeout");
  }

  /** The tokens that may call this API; without one it is off. */
  AdminAuth auth() {
    return auth;
  }

  /** How long after its head a request's body may take to arrive. */
  Duration readTimeout() {
    return readTimeout;
  }

  record Reply(int status, JsonNode body) {}

  Future<Reply> models() {
    ArrayNode models = JSON.createArrayNode();
    routing.table().registry().models().values().forEach(m -> models.add(AuditEventJson.modelTree(m)));
    ObjectNode out = JSON.createObjectNode();
    out.set("models", models);
    return Future.succeededFuture(new Reply(200, out));
  }

  Future<Reply> model(String model) {
    return Future.succeededFuture(new Reply(200, AuditEventJson.modelTree(existing(routing.table().registry(), model))));
  }

  Future<Reply> alias(String model, String alias) {
    return Future.succeededFuture(new Reply(200, aliasView(model, alias)));
  }

  private static Model existing(Registry registry, String model) {
    Model found = registry.models().get(model);
    if (found == null) {
      throw AdminError.notFound("The model '" + model + "' does not exist.");
    }
    return found;
  }

  private static Alias existing(Model model, String alias) {
    Alias found = model.aliases().get(alias);
    if (found == null) {
      throw AdminError.notFound("The model '" + model.name() + "' has no alias '" + alias + "'.");
    }
    return found;
  }

  private ObjectNode aliasView(String model, String aliasName) {
    Alias alias = existing(existing(routing.table().registry(), model), aliasName);
    ObjectNode out = JSON.createObjectNode();
    out.put("model", model);
    out.put("alias", aliasName);
    ObjectNode tree = AuditEventJson.aliasTree(alias);
    out.set("weights", tree.get("weights"));
    out.put("stable", alias.stable());
    out.put("revision", alias.revision());
    if (alias.sticky() != null) {
      out.put("sticky", alias.sticky().toString());
    }
    if (alias.slo() != null) {
      ObjectNode slo = ((ObjectNode) tree.get("slo")).deepCopy();
      ObjectNode live = slo.putObject("versions");
      for (Map.Entry<String, WindowSnapshot> e : sloGuard.snapshots(model, aliasName).entrySet()) {
        WindowSnapshot w = e.getValue();
        ObjectNode v = live.putObject(e.getKey());
        v.put("requests", w.requests());
        v.put("failures", w.failures());
        v.put("error_rate", w.errorRate());
        v.put("p50_seconds", w.p50().toNanos() / 1e9);
        v.put("p99_seconds", w.p99().toNanos() / 1e9);
      }
      out.set("slo", slo);
    } else {
      out.putNull("slo");
    }
    return out;
  }

  Future<Reply> registerVersion(AdminAuth.Caller caller, String model, JsonNode body) {
    ModelVersion version;
    try {
      version = AuditEventJson.readVersion(body);
    } catch (IllegalArgumentException e) {
      throw AdminError.badRequest(e.getMessage(), null);
    }
    boolean[] alreadyThere = {false};
    return submit(registry -> {
      Model current = registry.models().get(model);
      ModelVersion registered = current == null ? null : current.versions().get(version.id());
      if (registered != null) {
        if (!registered.equals(version)) {
          throw AdminError.conflict("version_exists", "The model '" + model + "' already has " + version.id() + " with other content; a version never changes.");
        }
        alreadyThere[0] = true;
        return null;
      }
      return draft(caller, Action.REGISTER_VERSION, model, null, new Change.VersionRegistered(version), null);
    }).map(event -> new Reply(alreadyThere[0] ? 200 : 201, AuditEventJson.versionTree(version)));
  }

  Future<Reply> setWeights(AdminAuth.Caller caller, String model, String aliasName, JsonNode body) {
    Map<String, Integer> weights = weights(body);
    String stable = optText(body, "stable");
    String reason = optText(body, "reason");
    Long ifRevision = optRevision(body);
    return submit(registry -> {
      Model current = existing(registry, model);
      Alias alias = current.aliases().get(aliasName);
      checkRevision(alias, ifRevision);
      AliasState before = alias == null ? null : AliasState.of(alias);
      String newStable = stable != null ? stable : alias != null ? alias.stable() : onlyFullWeight(weights);
      AliasState after = new AliasState(weights, newStable, before == null ? 1 : before.revision() + 1);
      return draft(caller, Action.SET_WEIGHTS, model, aliasName, new Change.AliasChanged(before, after), reason);
    }).map(event -> new Reply(200, aliasView(model, aliasName)));
  }

  Future<Reply> promote(AdminAuth.Caller caller, String model, String aliasName, JsonNode body) {
    String version = optText(body, "version");
    if (version == null) {
      throw AdminError.badRequest("'version' is required: the version to send 100 % of the alias to.", "version");
    }
    return moveAll(caller, Action.PROMOTE, model, aliasName, body, alias -> version)
        .map(event -> new Reply(200, aliasView(model, aliasName)));
  }

  Future<Reply> rollback(AdminAuth.Caller caller, String model, String aliasName, JsonNode body) {
    return moveAll(caller, Action.ROLLBACK, model, aliasName, body, Alias::stable).map(event -> {
      metrics.rollback(model, aliasName, "manual");
      return new Reply(200, aliasView(model, aliasName));
    });
  }

  // Promote and rollback both send the whole alias to one version, which is then stable.
  private Future<AuditEvent> moveAll(AdminAuth.Caller caller, Action action, String model, String aliasName, JsonNode body,
      Function<Alias, String> target) {
    String reason = optText(body, "reason");
    Long ifRevision = optRevision(body);
    return submit(registry -> {
      Alias alias = existing(existing(registry, model), aliasName);
      checkRevision(alias, ifRevision);
      AliasState before = AliasState.of(alias);
      return draft(caller, action, model, aliasName, new Change.AliasChanged(before, before.allOn(target.apply(alias))), reason);
    });
  }

  Future<Reply> audit(HttpServerRequest request) {
    String model = request.getParam("model");
    String alias = request.getParam("alias");
    String since = request.getParam("since");
    int limit = DEFAULT_AUDIT_LIMIT;
    String limitText = request.getParam("limit");
    if (limitText != null) {
      if (!limitText.matches("\\d{1,4}") || Integer.parseInt(limitText) < 1 || Integer.parseInt(limitText) > MAX_AUDIT_LIMIT) {
        throw AdminError.badRequest("limit: '" + limitText + "' (expected: an integer from 1 to " + MAX_AUDIT_LIMIT + ")", "limit");
      }
      limit = Integer.parseInt(limitText);
    }
    long afterSeq = 0;
    Instant afterTime = null;
    if (since != null) {
      if (since.matches("\\d{1,18}")) {
        afterSeq = Long.parseLong(since);
      } else {
        try {
          afterTime = Instant.parse(since);
        } catch (DateTimeParseException e) {
          throw AdminError.badRequest("since: '" + since + "' (expected: a seq number or an ISO-8601 time such as 2026-11-28T10:00:00Z)", "since");
        }
      }
    }
    Instant cutoff = afterTime;
    int max = limit;
    // A time filter reads from the start and keeps the newer events; a seq filter lets the ledger skip.
    return controlPlane.since(afterSeq, cutoff == null ? max : Integer.MAX_VALUE, model, alias).map(events -> {
      ArrayNode out = JSON.createArrayNode();
      for (AuditEvent event : events) {
        if (out.size() == max) {
          break;
        }
        if (cutoff == null || event.time().isAfter(cutoff)) {
          out.add(AuditEventJson.toTree(event));
        }
      }
      ObjectNode body = JSON.createObjectNode();
      body.set("events", out);
      return new Reply(200, body);
    });
  }

  private Future<AuditEvent> submit(Function<Registry, AuditEventDraft> decide) {
    return controlPlane.submit(decide);
  }

  private AuditEventDraft draft(AdminAuth.Caller caller, Action action, String model, String alias, Change change, String reason) {
    return new AuditEventDraft(controlPlane.clock().instant(), caller.name(), action, model, alias, change, reason, Map.of());
  }

  private static void checkRevision(Alias alias, Long ifRevision) {
    long current = alias == null ? 0 : alias.revision();
    if (ifRevision != null && ifRevision != current) {
      throw AdminError.conflict("stale_revision", "if_revision is " + ifRevision + " but the alias is at revision " + current + "; read it again and retry.");
    }
  }

  private static Map<String, Integer> weights(JsonNode body) {
    JsonNode node = body.get("weights");
    if (node == null || !node.isObject() || node.isEmpty()) {
      throw AdminError.badRequest("'weights' is required: an object of version → integer weight summing to 100, e.g. {\"v7\":90,\"v8\":10}.", "weights");
    }
    Map<String, Integer> out = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> {
      if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
        throw AdminError.unprocessable("weights." + e.getKey() + ": " + e.getValue() + " (expected: an integer from 0 to 100)", "weights");
      }
      out.put(e.getKey(), e.getValue().intValue());
    });
    return out;
  }

  private static String onlyFullWeight(Map<String, Integer> weights) {
    return weights.entrySet().stream().filter(e -> e.getValue() == 100).map(Map.Entry::getKey).findFirst()
        .orElseThrow(() -> AdminError.badRequest("'stable' is required for a new alias unless one version has all the weight.", "stable"));
  }

  private static String optText(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw AdminError.badRequest("'" + field + "' must be a string.", field);
    }
    return node.textValue();
  }

  private static Long optRevision(JsonNode body) {
    JsonNode node = body.get("if_revision");
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber() || node.longValue() < 0) {
      throw AdminError.badRequest("'if_revision' must be a non-negative integer.", "if_revision");
    }
    return node.longValue();
  }
}
