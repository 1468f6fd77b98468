package dev.modelgate.core;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.InvalidRegistryException;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.RegistryRules;
import dev.modelgate.core.registry.Segment;
import dev.modelgate.core.registry.SegmentMatcher;
import dev.modelgate.core.rollout.Delivery;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.split.BucketLayout;
import dev.modelgate.core.split.TrafficSplit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * An immutable snapshot of everything a request needs to be routed. Writers build a new table from a
 * new {@link Registry} and swap it in atomically; a request reads the current table once and routes
 * on it, so a change never shows half-applied.
 *
 * <p>Every accepted spelling of a {@code model} field ({@code name}, {@code name:alias},
 * {@code name@alias}, {@code name:vN}, {@code name@vN}) is a key of one hash map, so the hot path is
 * a single lookup; parsing happens only to explain a miss.
 */
public final class RoutingTable {
  public static final RoutingTable EMPTY = new RoutingTable(Registry.EMPTY, Map.of(), Map.of(), List.of(), List.of(), Map.of(), List.of());
  private static final int MAX_ECHOED_CHARS = 160;

  private final Registry registry;
  private final Map<String, Target> targets;
  private final Map<String, Endpoint> endpointsByUrl;
  private final List<String> modelIds;
  private final List<RouteDecision> decisions;
  private final Map<String, Map<String, Delivery>> deliveries;
  private final List<String> segmentBodyFields;

  private RoutingTable(Registry registry, Map<String, Target> targets, Map<String, Endpoint> endpointsByUrl, List<String> modelIds,
      List<RouteDecision> decisions, Map<String, Map<String, Delivery>> deliveries, List<String> segmentBodyFields) {
    this.registry = registry;
    this.targets = targets;
    this.endpointsByUrl = endpointsByUrl;
    this.modelIds = modelIds;
    this.decisions = decisions;
    this.deliveries = deliveries;
    this.segmentBodyFields = segmentBodyFields;
  }

  /**
   * Builds the table for {@code registry}, carrying over the live endpoint state of {@code previous}
   * for every URL both share.
   *
   * @param environment reads environment variables (backend keys named by {@code api_key_env})
   * @throws InvalidRegistryException listing every rule broken or, when the rules hold, every backend
   *     key not set
   */
  public static RoutingTable build(Registry registry, RoutingTable previous, Function<String, String> environment) {
    return build(registry, previous, environment, url -> EndpointGate.UNGUARDED);
  }

  /**
   * Like {@link #build(Registry, RoutingTable, Function)}; an endpoint new to this table gets its
   * gate from {@code gates} (called with its URL), a carried one keeps its own.
   */
  public static RoutingTable build(Registry registry, RoutingTable previous, Function<String, String> environment,
      Function<String, EndpointGate> gates) {
    return build(registry, previous, environment, gates, Map.of());
  }

  /**
   * Like {@link #build(Registry, RoutingTable, Function, Function)}, with what each alias declares
   * about delivering new versions: its segments (compiled into its target) and standing shadow. A
   * model {@code previous} routes by, the very instance, passed the rules when that table was built
   * and is not checked again.
   *
   * @param deliveries model → alias → delivery; an alias not named has {@link Delivery#NONE}
   */
  public static RoutingTable build(Registry registry, RoutingTable previous, Function<String, String> environment,
      Function<String, EndpointGate> gates, Map<String, Map<String, Delivery>> deliveries) {
    return build(registry, previous.registry, previous, environment, gates, deliveries);
  }

  /**
   * Like {@link #build(Registry, RoutingTable, Function, Function, Map)}, where every model of
   * {@code registry} that is the very instance {@code checked} holds has passed {@link RegistryRules}
   * already and is not checked again: the fold checks each model it builds, and a table of 10,000
   * models would otherwise run the rules over all of them for every change of one.
   */
  public static RoutingTable build(Registry registry, Registry checked, RoutingTable previous, Function<String, String> environment,
      Function<String, EndpointGate> gates, Map<String, Map<String, Delivery>> deliveries) {
    List<String> problems = new ArrayList<>(RegistryRules.problems(registry, checked));
    boolean rulesHold = problems.isEmpty();
    for (Model model : registry.models().values()) {
      for (ModelVersion version : model.versions().values()) {
        String env = version.apiKeyEnv();
        if (env == null || !rulesHold) {
          continue;
        }
        String key = environment.apply(env);
        String path = "models." + model.name() + ".versions." + version.id() + ".api_key_env";
        if (isBlank(key)) {
          problems.add(path + ": environment variable " + env + " is not set");
        } else if (!isHeaderSafe(key.strip())) {
          problems.add(path + ": environment variable " + env + " holds characters a header cannot carry (expected: visible ASCII)");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidRegistryException(problems);
    }
    Map<String, Target> targets = new HashMap<>();
    Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    List<String> ids = new ArrayList<>();
    List<RouteDecision> decisions = new ArrayList<>();
    List<String> bodyFields = new ArrayList<>();
    for (Model model : registry.models().values()) {
      String name = model.name();
      if (model.aliases().containsKey(model.defaultAlias())) {
        ids.add(name);
      }
      Map<String, VersionRoute> versions = new LinkedHashMap<>();
      // The ids are the keys themselves: one string each, not two, in a table of 10,000 models.
      List<String> versionIds = new ArrayList<>();
      for (ModelVersion version : sortedVersions(model)) {
        Endpoint[] eps = new Endpoint[version.endpoints().size()];
        for (int i = 0; i < eps.length; i++) {
          String url = version.endpoints().get(i);
          eps[i] = endpoints.computeIfAbsent(url, u -> {
            Endpoint carried = previous.endpointsByUrl.get(u);
            return carried != null ? carried : Endpoint.parse(u, gates.apply(u));
          });
        }
        String key = version.apiKeyEnv() == null ? null : environment.apply(version.apiKeyEnv());
        VersionRoute route = new VersionRoute(name, version, eps, key == null ? null : "Bearer " + key.strip());
        versions.put(version.id(), route);
        PinnedTarget pinned = new PinnedTarget(decide(decisions, name, null, route, Route.PINNED));
        String id = name + ":" + version.id();
        versionIds.add(id);
        targets.put(id, pinned);
        targets.put(name + "@" + version.id(), pinned);
      }
      for (Alias alias : model.aliases().values()) {
        Delivery delivery = deliveries.getOrDefault(name, Map.of()).getOrDefault(alias.name(), Delivery.NONE);
        AliasTarget target = aliasTarget(name, alias, delivery, versions, decisions);
        for (String field : target.segments().bodyFields()) {
          if (!bodyFields.contains(field)) {
            bodyFields.add(field);
          }
        }
        String id = name + ":" + alias.name();
        targets.put(id, target);
        targets.put(name + "@" + alias.name(), target);
        if (alias.name().equals(model.defaultAlias())) {
          targets.put(name, target);
        }
        ids.add(id);
      }
      ids.addAll(versionIds);
    }
    Map<String, Map<String, Delivery>> declared = new HashMap<>();
    deliveries.forEach((model, aliases) -> declared.put(model, Map.copyOf(aliases)));
    return new RoutingTable(registry, Map.copyOf(targets), Collections.unmodifiableMap(endpoints), List.copyOf(ids),
        List.copyOf(decisions), Map.copyOf(declared), List.copyOf(bodyFields));
  }

  private static RouteDecision decide(List<RouteDecision> decisions, String model, String alias, VersionRoute version, Route route,
      String segment) {
    RouteDecision decision = new RouteDecision(model, alias, version, route, decisions.size(), segment);
    decisions.add(decision);
    return decision;
  }

  private static RouteDecision decide(List<RouteDecision> decisions, String model, String alias, VersionRoute version, Route route) {
    return decide(decisions, model, alias, version, route, null);
  }

  private static boolean isHeaderSafe(String key) {
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static List<ModelVersion> sortedVersions(Model model) {
    List<ModelVersion> versions = new ArrayList<>(model.versions().values());
    versions.sort(Comparator.comparingInt(v -> Names.versionNumber(v.id())));
    return versions;
  }

  private static AliasTarget aliasTarget(String model, Alias alias, Delivery delivery, Map<String, VersionRoute> versions,
      List<RouteDecision> decisions) {
    TrafficSplit<RouteDecision> split = TrafficSplit.of(alias.layout(), weighted(model, alias, versions, decisions, null));
    Rollout rollout = alias.rollout();
    String candidateSegment = rollout == null ? null : rollout.candidateSegment().orElse(null);
    VersionRoute candidate = rollout == null ? null : versions.get(rollout.version());
    List<TrafficSplit<RouteDecision>> segmentSplits = new ArrayList<>();
    for (Segment segment : delivery.segments()) {
      if (candidate != null && segment.name().equals(candidateSegment)) {
        RouteDecision all = decide(decisions, model, alias.name(), candidate, Route.CANARY, segment.name());
        segmentSplits.add(TrafficSplit.of(BucketLayout.contiguous(Map.of(candidate.id(), TrafficSplit.BUCKETS)), Map.of(candidate.id(), all)));
      } else {
        segmentSplits.add(TrafficSplit.of(alias.layout(), weighted(model, alias, versions, decisions, segment.name())));
      }
    }
    // A rollout's shadow phase mirrors to its candidate in place of the alias's standing shadow; a
    // standing shadow of the candidate pauses while the rollout runs, so each phase's gate judges
    // only that phase's requests (the segment's, the step's).
    VersionRoute shadow = null;
    int mirrorPercent = 0;
    boolean rollingOut = candidate != null && !rollout.status().isTerminal();
    if (rollingOut && rollout.mirrorPercent() > 0) {
      shadow = candidate;
      mirrorPercent = rollout.mirrorPercent();
    } else if (delivery.shadow() != null && !(rollingOut && delivery.shadow().version().equals(candidate.id()))) {
      shadow = versions.get(delivery.shadow().version());
      mirrorPercent = delivery.shadow().percent();
    }
    RouteDecision mirror = shadow == null ? null : decide(decisions, model, alias.name(), shadow, Route.SHADOW);
    return new AliasTarget(model, alias, split, SegmentMatcher.compile(delivery.segments()), segmentSplits, mirror, mirrorPercent);
  }

  // A decision per version with weight, tagged with the segment that routes by them (null for the alias's own).
  private static Map<String, RouteDecision> weighted(String model, Alias alias, Map<String, VersionRoute> versions,
      List<RouteDecision> decisions, String segment) {
    Map<String, RouteDecision> byVersion = new HashMap<>();
    for (Map.Entry<String, Integer> weight : alias.weights().entrySet()) {
      if (weight.getValue() > 0) {
        VersionRoute version = versions.get(weight.getKey());
        Route route = version.id().equals(alias.stable()) ? Route.STABLE : Route.CANARY;
        byVersion.put(version.id(), decide(decisions, model, alias.name(), version, route, segment));
      }
    }
    return byVersion;
  }

  /** The target a {@code model} field names exactly, or {@code null}. */
  public Target lookup(String model) {
    return targets.get(model);
  }

  /** Whether {@code decision} was built by this table rather than one it replaced. */
  public boolean built(RouteDecision decision) {
    int index = decision.index();
    return index < decisions.size() && decisions.get(index) == decision;
  }

  /**
   * Every decision this table hands out, pinned and alias routes, each at its {@link
   * RouteDecision#index() index}.
   */
  public List<RouteDecision> decisions() {
    return decisions;
  }

  /** A message for a {@code model} field that {@link #lookup} did not find. */
  public String whyNotFound(String text) {
    String echoed = text.length() > MAX_ECHOED_CHARS ? text.substring(0, MAX_ECHOED_CHARS) + "…" : text;
    ModelRef ref;
    try {
      ref = ModelRef.parse(text);
    } catch (ModelRef.InvalidModelRefException e) {
      return "The model '" + echoed + "' does not exist: " + e.getMessage() + ".";
    }
    Model model = registry.models().get(ref.name());
    if (model == null) {
      return "The model '" + echoed + "' does not exist.";
    }
    if (ref.isPinned()) {
      return "The model '" + ref.name() + "' has no version '" + ref.version() + "'.";
    }
    String alias = ref.alias() == null ? model.defaultAlias() : ref.alias();
    return "The model '" + ref.name() + "' has no alias '" + alias + "'.";
  }

  public Registry registry() {
    return registry;
  }

  /** Every id {@code GET /v1/models} lists: each model, {@code model:alias} and {@code model:vN}. */
  public List<String> modelIds() {
    return modelIds;
  }

  /** What each alias declares about delivering new versions, as this table was built with. */
  public Map<String, Map<String, Delivery>> deliveries() {
    return deliveries;
  }

  /**
   * Every top-level body field some alias's segment reads, each once: what the request's one body
   * scan keeps besides {@code model}. Empty when no segment reads the body.
   */
  public List<String> segmentBodyFields() {
    return segmentBodyFields;
  }

  /** Every distinct endpoint of the table. */
  public Collection<Endpoint> endpoints() {
    return endpointsByUrl.values();
  }
}
