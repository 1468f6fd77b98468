package dev.modelgate.core.sync;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutMachine;
import dev.modelgate.core.rollout.RolloutOutcome;
import dev.modelgate.core.rollout.Transition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one reconcile of registry sync: "registry alias A of model M is on version N" against the
 * registry here gives the events that make this side follow it.
 *
 * <ol>
 *   <li>{@code vN} not registered here: {@code register_version} from the registry's artifact,
 *       lineage and the serving template (a version registered with other content stands: a
 *       version id means one binary forever).
 *   <li>The alias does not exist yet: {@code registry_synced} creates it at 100 % {@code vN}; there is
 *       nothing to roll out from.
 *   <li>The alias already routes 100 % to {@code vN}, or its latest rollout is of {@code vN} (under
 *       way, completed, rolled back or aborted): nothing. A version rolled back here stays off until
 *       the registry names another; polling it again must not restart it.
 *   <li>A rollout of another version is under way: it is aborted ({@code rollout_aborted}), since the
 *       registry has moved past it, and the new one starts.
 *   <li>Otherwise {@code registry_synced} carrying the start of a rollout from the alias's stable
 *       version ({@link OnNewVersion#ROLLOUT}) or 100 % {@code vN} ({@link OnNewVersion#SWITCH}).
 * </ol>
 * Every decision is made against the registry it is given, on the control plane's one writer, so
 * running it twice, or on two replicas one after the other, records nothing the second time.
 */
public final class Reconcile {
  private Reconcile() {}

  /**
   * The events that make {@code follow}'s alias follow the registry, which says its alias is on {@code seen}.
   *
   * @param seen the registry's version as {@link Serving#render} made it
   * @param now the time the events are stamped with
   */
  public static SyncDecision decide(Registry current, Follow follow, long number, ModelVersion seen, Instant now) {
    requireNonNull(current, "current");
    requireNonNull(follow, "follow");
    requireNonNull(seen, "seen");
    requireNonNull(now, "now");
    String where = follow.registry() + " " + follow.path() + ":" + follow.registryAlias() + " is on version " + number;
    String version = seen.id();
    String actor = follow.actor();
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("registry", follow.registry());
    evidence.put("path", follow.path());
    evidence.put("registry_alias", follow.registryAlias());
    evidence.put("registry_version", number);
    evidence.put("artifact", seen.artifact());
    String reason = "registry " + where;
    List<AuditEventDraft> drafts = new ArrayList<>();
    Model model = current.models().get(follow.model());
    if (model == null || !model.versions().containsKey(version)) {
      drafts.add(new AuditEventDraft(now, actor, Action.REGISTER_VERSION, follow.model(), null, new Change.VersionRegistered(seen),
          "registry " + follow.registry() + " " + follow.path() + " version " + number, Map.of()));
    }
    Alias alias = model == null ? null : model.aliases().get(follow.alias());
    String here = follow.model() + ":" + follow.alias();
    if (alias == null) {
      drafts.add(synced(now, actor, follow, null, new AliasState(Map.of(version, 100), version, 1), reason, evidence));
      return new SyncDecision(drafts, where + "; " + here + " created at 100 % " + version);
    }
    Rollout latest = alias.rollout();
    if (latest != null && latest.version().equals(version)) {
      return new SyncDecision(drafts, where + "; " + here + " has its rollout of " + version + " " + latest.status().wireName());
    }
    if (alias.stable().equals(version) && alias.weights().equals(Map.of(version, 100))) {
      return new SyncDecision(drafts, where + "; " + here + " routes 100 % " + version + " already");
    }
    AliasState before = AliasState.of(alias);
    String aborted = "";
    if (latest != null && !latest.status().isTerminal()) {
      Transition abort = (Transition) RolloutMachine.abort(latest);
      AliasState after = before.with(abort.next());
      drafts.add(new AuditEventDraft(now, actor, Action.ROLLOUT_ABORTED, follow.model(), follow.alias(), new Change.AliasChanged(before, after),
          "registry " + where + ", past the rollout of " + latest.version() + ": " + abort.reason(), Map.of()));
      before = after;
      latest = abort.next();
      aborted = "aborted the rollout of " + abort.next().version() + ", ";
    }
    if (follow.onNewVersion() == OnNewVersion.SWITCH || before.stable().equals(version)) {
      drafts.add(synced(now, actor, follow, before, new AliasState(Map.of(version, 100), version, before.revision() + 1), reason, evidence));
      return new SyncDecision(drafts, where + "; " + here + " " + aborted + "switched to 100 % " + version);
    }
    RolloutOutcome start = RolloutMachine.start(latest, follow.plan(), version, before.stable(), actor, now);
    if (!(start instanceof Transition started)) {
      // Only a live rollout or the stable version itself refuse a start, and both are handled above.
      throw new IllegalStateException("rollout of " + version + " refused: " + start);
    }
    drafts.add(synced(now, actor, follow, before, before.with(started.next()), reason + "; " + started.reason(), evidence));
    return new SyncDecision(drafts, where + "; " + here + " " + aborted + started.reason());
  }

  private static AuditEventDraft synced(Instant now, String actor, Follow follow, AliasState before, AliasState after, String reason,
      Map<String, Object> evidence) {
    return new AuditEventDraft(now, actor, Action.REGISTRY_SYNCED, follow.model(), follow.alias(), new Change.AliasChanged(before, after),
        reason, evidence);
  }
}
