package dev.modelgate.core.ledger;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.RegistryRules;
import dev.modelgate.core.rollout.Rollout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Registry state as the fold of the ledger: {@code state(n) = apply(state(n-1), event n)}, starting
 * from {@link Registry#EMPTY}. The file store and a future PostgreSQL store replay through this one
 * function, and the admin API and SLO guard produce their next state through it too, so what was
 * acknowledged is exactly what a restart rebuilds.
 *
 * <p>Every result passes {@link RegistryRules}; an event that would break a rule, or that does not
 * fit the state it meets, is refused with a {@link RefusedEventException} naming its {@code seq}.
 *
 * <h2>Alias moves</h2>
 * {@code set_weights}, {@code promote}, {@code rollback} and {@code auto_rollback} carry the alias's
 * state before and after. {@code before} must equal the current state (else the writer decided on
 * a stale view) and {@code after.revision} must be {@code before.revision + 1}. {@code promote}
 * must end at 100 % of its new stable version; the rollbacks at 100 % of the unchanged stable one.
 * Only {@code set_weights} and {@code registry_synced} may create an alias ({@code before == null},
 * revision 1); {@code registry_synced} creates a followed alias with the policy ({@code slo},
 * {@code sticky}) its model's last declaration gives it ({@link Alias#awaitingSync}).
 *
 * <h2>Registry sync</h2>
 * {@code registry_synced} records a followed registry alias's move (docs/registry-sync.md): either
 * a switch, 100 % of the registry's version which becomes stable, or the start of a rollout to it,
 * checked as {@code rollout_started} is.
 *
 * <h2>Rollouts</h2>
 * The {@code rollout_*} actions carry the alias's rollout in {@code after} with exactly the weights
 * and stable it implies ({@link AliasState#with}), so a replay rebuilds both together. While a
 * rollout is under way the other moves are refused (abort it first), except its own
 * {@code auto_rollback}, which ends it {@code rolled_back}; a config edit of the alias's routing
 * made meanwhile is not applied (its policy is). Every other move keeps the alias's finished rollout, for the
 * status view, until the next one starts.
 *
 * <h2>Config declarations: how the file meets runtime changes</h2>
 * A {@code config} event carries what the file declared last time ({@code before}) and declares now
 * ({@code after}). The rule is that the file applies its own differences and nothing else, so a
 * restart, or an edit of another model, never undoes a runtime change:
 * <ul>
 *   <li>{@code after == null}: the model is removed, with everything registered under it.
 *   <li>A model not in the state is created as declared.
 *   <li>Metadata ({@code default_alias}, description, owner, tags) is the declaration's.
 *   <li>Versions: declared versions are added; one the file declared before and no longer does is
 *       removed (refused by the rules if an alias still routes to it); versions registered at
 *       runtime are kept. A version already registered with other content is refused, naming its
 *       path: a version id means one binary forever.
 *   <li>Aliases: an alias whose declared weights and stable are the same as in {@code before} keeps
 *       its runtime weights, stable and revision; one whose declared routing changed (or that is
 *       declared for the first time) gets the declared routing at its runtime revision + 1, unless
 *       it already routes exactly so (then nothing moved, and the revision stays). A new alias is
 *       taken as declared. An alias the file stopped declaring is removed; aliases created at
 *       runtime are kept. {@code slo} and {@code sticky} are always the declaration's: they are
 *       policy, not routing, and the revision counts routing moves (what {@code if_revision}
 *       guards).
 * </ul>
 *
 * <h2>Bucket layouts</h2>
 * Every alias built from a live one moves the live one's {@link dev.modelgate.core.split.BucketLayout}
 * to its new weights; a new alias starts contiguous. The layout is a function of the events alone,
 * so a replay on any replica, or after a restart, rebuilds the layout sticky keys were routed on,
 * though no event stores it.
 */
public final class RegistryFold {
  private RegistryFold() {}

  /**
   * The state after {@code event}.
   *
   * @throws RefusedEventException naming the event's seq and every problem; nothing is changed
   */
  public static Registry apply(Registry current, AuditEvent event) {
    return applyAll(current, List.of(requireNonNull(event, "event")));
  }

  /**
   * The state after {@code events}, applied in order as one batch: the same result as applying
   * them one by one, but the registry's map is copied once for the batch, not once per event, so
   * a start-up declaring or replaying thousands of models stays linear.
   *
   * @throws RefusedEventException for the first event that does not apply; nothing is changed
   */
  public static Registry applyAll(Registry current, List<AuditEvent> events) {
    return applyAll(current, events, Map.of());
  }

  /**
   * As {@link #applyAll(Registry, List)}, with each model as the config file last declared it before
   * these events ({@link #lastDeclared}), where a followed alias created by {@code registry_synced}
   * takes its policy from.
   */
  public static Registry applyAll(Registry current, List<AuditEvent> events, Map<String, Model> declared) {
    requireNonNull(current, "current");
    requireNonNull(events, "events");
    requireNonNull(declared, "declared");
    if (events.isEmpty()) {
      return current;
    }
    Map<String, Model> models = new LinkedHashMap<>(current.models());
    Map<String, Model> declarations = new LinkedHashMap<>(declared);
    for (AuditEvent event : events) {
      apply(models, declarations, event);
      if (event.change() instanceof Change.ModelDeclared d) {
        if (d.after() == null) {
          declarations.remove(event.model());
        } else {
          declarations.put(event.model(), d.after());
        }
      }
    }
    return new Registry(models);
  }

  // Folds one event into the working map; refused, it leaves the map as it was.
  private static void apply(Map<String, Model> models, Map<String, Model> declarations, AuditEvent event) {
    List<String> problems = new ArrayList<>();
    Model next;
    Change change = event.change();
    if (change instanceof Change.VersionRegistered registered) {
      next = register(models.get(event.model()), event.model(), registered.version(), problems);
    } else if (change instanceof Change.AliasChanged moved) {
      next = move(models.get(event.model()), declarations.get(event.model()), event, moved, problems);
    } else if (change instanceof Change.ModelDeclared declared) {
      next = declare(models.get(event.model()), event.model(), declared, problems);
    } else {
      throw new IllegalStateException("unknown change " + change);
    }
    if (problems.isEmpty() && next != null) {
      // Rules are per model, so the changed model is all that can have broken one.
      problems.addAll(RegistryRules.problems(new Registry(Map.of(event.model(), next))));
    }
    if (!problems.isEmpty()) {
      throw new RefusedEventException(event, problems);
    }
    if (next == null) {
      models.remove(event.model());
    } else {
      models.put(event.model(), next);
    }
  }

  /**
   * The state the events add up to, from {@link Registry#EMPTY}. The events must be the whole
   * ledger in order: seq 1, 2, 3, …
   *
   * @throws RefusedEventException for the first event out of sequence or that does not apply
   */
  public static Registry replay(List<AuditEvent> events) {
    return LedgerState.EMPTY.applyAll(events).registry();
  }

  /**
   * Each model as the config file declared it in the last {@code config} event about it: the
   * {@code before} of the next config event. Models whose last declaration was a removal are absent.
   */
  public static Map<String, Model> lastDeclared(List<AuditEvent> events) {
    return lastDeclared(Map.of(), events);
  }

  /** {@link #lastDeclared(List)} of events that follow those {@code before} was taken from. */
  public static Map<String, Model> lastDeclared(Map<String, Model> before, List<AuditEvent> events) {
    Map<String, Model> declared = new LinkedHashMap<>(before);
    for (AuditEvent event : events) {
      if (event.change() instanceof Change.ModelDeclared d) {
        if (d.after() == null) {
          declared.remove(event.model());
        } else {
          declared.put(event.model(), d.after());
        }
      }
    }
    return declared;
  }

  private static Model register(Model model, String name, ModelVersion version, List<String> problems) {
    if (model == null) {
      return new Model(name, Model.DEFAULT_ALIAS, null, null, List.of(), Map.of(version.id(), version), Map.of());
    }
    ModelVersion registered = model.versions().get(version.id());
    if (registered != null) {
      // The same content again is a retry, not a change; other content would rewrite history.
      if (!registered.equals(version)) {
        problems.add(conflict("models." + name + ".versions." + version.id(), registered, version));
      }
      return model;
    }
    Map<String, ModelVersion> versions = new LinkedHashMap<>(model.versions());
    versions.put(version.id(), version);
    return withParts(model, versions, model.aliases());
  }

  private static Model move(Model model, Model declared, AuditEvent event, Change.AliasChanged moved, List<String> problems) {
    String path = "models." + event.model() + ".aliases." + event.alias();
    if (model == null) {
      problems.add("models." + event.model() + ": no such model (register a version first)");
      return null;
    }
    Alias live = model.aliases().get(event.alias());
    AliasState before = moved.before();
    AliasState after = moved.after();
    if (before == null) {
      if (live != null) {
        problems.add(path + ": already exists at revision " + live.revision() + " (the event expects to create it)");
      } else if (event.action() != Action.SET_WEIGHTS && event.action() != Action.REGISTRY_SYNCED) {
        problems.add(path + ": no such alias (only set_weights creates one)");
      } else if (after.revision() != 1) {
        problems.add(path + ".revision: " + after.revision() + " (expected: 1 for a new alias)");
      }
    } else if (live == null) {
      problems.add(path + ": no such alias");
    } else {
      AliasState current = AliasState.of(live);
      if (!current.equals(before)) {
        problems.add(path + ": stale before " + show(before) + " (the alias is at " + show(current) + ")");
      }
      if (after.revision() != before.revision() + 1) {
        problems.add(path + ".revision: " + after.revision() + " (expected: " + (before.revision() + 1) + ", one more than before)");
      }
    }
    String stable = after.stable();
    switch (event.action()) {
      case PROMOTE -> {
        if (!after.weights().equals(Map.of(stable, 100))) {
          problems.add(path + ": promote must end at 100 % of the promoted version, which becomes stable (got " + show(after) + ")");
        }
      }
      case REGISTRY_SYNCED -> {
        if (after.rollout() == null && !after.weights().equals(Map.of(stable, 100))) {
          problems.add(path + ": registry_synced without a rollout must end at 100 % of the registry's version, which becomes stable (got "
              + show(after) + ")");
        }
      }
      case ROLLBACK, AUTO_ROLLBACK -> {
        if (before != null && !stable.equals(before.stable())) {
          problems.add(path + ".stable: " + event.action() + " must keep stable '" + before.stable() + "' (got '" + stable + "')");
        } else if (!after.weights().equals(Map.of(stable, 100))) {
          problems.add(path + ": " + event.action() + " must end at 100 % of stable (got " + show(after) + ")");
        }
      }
      default -> { }
    }
    rolloutRules(model, event, live, after, path, problems);
    if (!problems.isEmpty()) {
      return null;
    }
    Map<String, Alias> aliases = new LinkedHashMap<>(model.aliases());
    // A validated move is one revision on from the live alias, whose layout it moves.
    Alias policy = declared == null ? null : declared.aliases().get(event.alias());
    boolean followed = event.action() == Action.REGISTRY_SYNCED && policy != null;
    aliases.put(event.alias(), live == null
        ? new Alias(event.alias(), after.weights(), stable, after.revision(), followed ? policy.slo() : null, followed ? policy.sticky() : null)
        : live.moved(after.weights(), stable, carriesRollout(event, after) ? after.rollout() : live.rollout()));
    return withParts(model, model.versions(), aliases);
  }

  // A rollout event carries the rollout and exactly the routing it implies; any other move of an
  // alias being rolled out would leave the two disagreeing, so it is refused (the rollout's own
  // auto_rollback, which carries the rollout, aside).
  private static boolean carriesRollout(AuditEvent event, AliasState after) {
    return event.action().isRollout()
        || ((event.action() == Action.AUTO_ROLLBACK || event.action() == Action.REGISTRY_SYNCED) && after.rollout() != null);
  }

  private static void rolloutRules(Model model, AuditEvent event, Alias live, AliasState after, String path, List<String> problems) {
    Rollout running = live == null || live.rollout() == null || live.rollout().status().isTerminal() ? null : live.rollout();
    Rollout next = after.rollout();
    if (!carriesRollout(event, after)) {
      if (running != null) {
        problems.add(path + ": a rollout of " + running.version() + " is " + running.status().wireName()
            + " (expected: abort it before moving the alias by hand)");
      } else if (next != null) {
        problems.add(path + ".rollout: " + event.action() + " carries no rollout (expected: only rollout events and their auto_rollback do)");
      }
      return;
    }
    if (next == null) {
      problems.add(path + ".rollout: missing (expected: " + event.action() + " carries the alias's rollout)");
      return;
    }
    if (!model.versions().containsKey(next.version())) {
      problems.add(path + ".rollout.version: names unknown version '" + next.version() + "'");
    }
    if (event.action().startsRollout()) {
      if (running != null) {
        problems.add(path + ": a rollout of " + running.version() + " is " + running.status().wireName() + " already (expected: abort it first)");
      }
      if (live != null && !next.from().equals(live.stable())) {
        problems.add(path + ".rollout.from: '" + next.from() + "' (expected: the alias's stable version '" + live.stable() + "')");
      }
    } else if (running == null) {
      problems.add(path + ": no rollout in progress (expected: " + event.action() + " of a started rollout)");
    } else if (!running.version().equals(next.version()) || !running.startedAt().equals(next.startedAt())) {
      problems.add(path + ".rollout: moves a rollout of " + next.version() + " while the alias's is of " + running.version());
    }
    AliasState implied = new AliasState(Map.of(), after.stable(), after.revision() - 1).with(next);
    if (!implied.sameRouting(after)) {
      problems.add(path + ": weights " + after.weights() + " stable " + after.stable() + " (expected: " + implied.weights()
          + " stable " + implied.stable() + ", what the rollout implies)");
    }
  }

  private static Model declare(Model live, String name, Change.ModelDeclared declared, List<String> problems) {
    Model before = declared.before();
    Model after = declared.after();
    if (after == null) {
      if (live == null) {
        problems.add("models." + name + ": not registered, so there is nothing to remove");
      }
      return null;
    }
    if (live == null) {
      return withParts(after, after.versions(), routed(after.aliases(), Map.of()));
    }
    String path = "models." + name;
    Map<String, ModelVersion> versions = new LinkedHashMap<>(live.versions());
    if (before != null) {
      before.versions().keySet().stream().filter(id -> !after.versions().containsKey(id)).forEach(versions::remove);
    }
    for (ModelVersion version : after.versions().values()) {
      ModelVersion registered = versions.get(version.id());
      if (registered != null && !registered.equals(version)) {
        problems.add(conflict(path + ".versions." + version.id(), registered, version));
      } else {
        versions.put(version.id(), version);
      }
    }
    Map<String, Alias> aliases = new LinkedHashMap<>(live.aliases());
    if (before != null) {
      before.aliases().keySet().stream().filter(a -> !after.aliases().containsKey(a)).forEach(aliases::remove);
    }
    if (!problems.isEmpty()) {
      return null;
    }
    return new Model(name, after.defaultAlias(), after.description(), after.owner(), after.tags(), versions,
        routed(after.aliases(), aliases, before));
  }

  // The live aliases once the declared ones are applied; a followed alias awaiting its first sync routes
  // nothing, so until the sync creates it, it is not there, and once it is, the registry owns its routing.
  private static Map<String, Alias> routed(Map<String, Alias> declared, Map<String, Alias> live) {
    return routed(declared, new LinkedHashMap<>(live), null);
  }

  private static Map<String, Alias> routed(Map<String, Alias> declared, Map<String, Alias> aliases, Model before) {
    for (Alias wanted : declared.values()) {
      Alias runtime = aliases.get(wanted.name());
      Alias was = before == null ? null : before.aliases().get(wanted.name());
      if (wanted.awaitsSync()) {
        if (runtime != null) {
          aliases.put(wanted.name(), new Alias(wanted.name(), runtime.weights(), runtime.stable(), runtime.revision(), wanted.slo(),
              wanted.sticky(), runtime.layout(), runtime.rollout()));
        }
      } else {
        aliases.put(wanted.name(), runtime == null ? wanted : merge(runtime, was, wanted));
      }
    }
    return aliases;
  }

  private static Alias merge(Alias runtime, Alias was, Alias wanted) {
    AliasState live = AliasState.of(runtime);
    AliasState declared = AliasState.of(wanted);
    boolean fileUnchanged = was != null && AliasState.of(was).sameRouting(declared);
    // A rollout under way owns the alias's routing: a file edit of it meanwhile is not applied.
    AliasState routing = fileUnchanged || live.sameRouting(declared) || live.rollingOut()
        ? live
        : new AliasState(declared.weights(), declared.stable(), live.revision() + 1);
    return new Alias(wanted.name(), routing.weights(), routing.stable(), routing.revision(), wanted.slo(), wanted.sticky(),
        runtime.layout(), routing.rollout());
  }

  private static Model withParts(Model model, Map<String, ModelVersion> versions, Map<String, Alias> aliases) {
    return new Model(model.name(), model.defaultAlias(), model.description(), model.owner(), model.tags(), versions, aliases);
  }

  private static String conflict(String path, ModelVersion registered, ModelVersion offered) {
    List<String> differ = new ArrayList<>();
    if (!registered.artifact().equals(offered.artifact())) {
      differ.add("artifact");
    }
    if (!registered.servedModel().equals(offered.servedModel())) {
      differ.add("served_model");
    }
    if (!registered.endpoints().equals(offered.endpoints())) {
      differ.add("endpoints");
    }
    if (!Objects.equals(registered.apiKeyEnv(), offered.apiKeyEnv())) {
      differ.add("api_key_env");
    }
    if (!registered.lineage().equals(offered.lineage())) {
      differ.add("lineage");
    }
    if (!Objects.equals(registered.healthCheck(), offered.healthCheck())) {
      differ.add("health_check");
    }
    return path + ": already registered with other content (differs in: " + String.join(", ", differ)
        + "; expected: a registered version never changes, so register the new content under a new version id)";
  }

  private static String show(AliasState state) {
    return "revision " + state.revision() + " " + state.weights() + " stable " + state.stable();
  }
}
