package dev.modelgate.core.ledger;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.PlainValues;
import dev.modelgate.core.registry.Model;
import java.time.Instant;
import java.util.Map;

/**
 * One entry of the ledger (docs/admin-api.md, docs/operations.md): registry state is the {@link RegistryFold fold} of these in
 * {@code seq} order. The constructor rejects an event whose parts contradict each other (an action
 * with the wrong kind of change, an alias move without an alias), so every event that exists can
 * at least be attempted by the fold; whether it applies depends on the state it meets.
 *
 * @param seq position in the ledger, 1 for the first event, one more for each next
 * @param time when the change was made, as the writer's clock read it
 * @param actor who made it: an admin token's name, {@code slo-guard}, {@code config}
 * @param model the model changed
 * @param alias the alias changed; {@code null} for {@code register_version} and {@code config}
 * @param change what changed, the {@code before}/{@code after} of the JSON
 * @param reason the operator's or guard's reason, or {@code null}
 * @param evidence what an {@code auto_rollback} was decided on, or what a {@code registry_synced} saw in the registry;
 *     empty for every other action
 */
public record AuditEvent(
    long seq,
    Instant time,
    String actor,
    Action action,
    String model,
    String alias,
    Change change,
    String reason,
    Map<String, Object> evidence) {

  public AuditEvent {
    if (seq < 1) {
      throw new IllegalArgumentException("seq: " + seq + " (expected: 1 or more)");
    }
    requireNonNull(time, "time");
    requireNonNull(actor, "actor");
    requireNonNull(action, "action");
    requireNonNull(model, "model");
    requireNonNull(change, "change");
    evidence = evidence == null ? Map.of() : PlainValues.copyObject(evidence, "evidence");
    checkShape(action, model, alias, change, evidence);
  }

  /** This event without its seq, e.g. to compare what a store returned with what was appended. */
  public AuditEventDraft draft() {
    return new AuditEventDraft(time, actor, action, model, alias, change, reason, evidence);
  }

  static void checkShape(Action action, String model, String alias, Change change, Map<String, Object> evidence) {
    switch (action) {
      case REGISTER_VERSION -> require(change instanceof Change.VersionRegistered, action, "a registered version");
      case CONFIG -> {
        require(change instanceof Change.ModelDeclared, action, "a model declaration");
        Change.ModelDeclared declared = (Change.ModelDeclared) change;
        sameName(model, declared.before(), "before");
        sameName(model, declared.after(), "after");
      }
      default -> require(change instanceof Change.AliasChanged, action, "an alias change");
    }
    if (action.changesAlias() && alias == null) {
      throw new IllegalArgumentException(action + " needs an alias");
    }
    if (!action.changesAlias() && alias != null) {
      throw new IllegalArgumentException(action + " changes a whole model, not alias '" + alias + "'");
    }
    if (action != Action.AUTO_ROLLBACK && action != Action.REGISTRY_SYNCED && !evidence.isEmpty()) {
      throw new IllegalArgumentException(action + " carries no evidence (only auto_rollback and registry_synced do)");
    }
  }

  private static void require(boolean ok, Action action, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(action + " must carry " + expected);
    }
  }

  private static void sameName(String model, Model declared, String which) {
    if (declared != null && !declared.name().equals(model)) {
      throw new IllegalArgumentException("config of model '" + model + "' has a " + which + " declaration of model '" + declared.name() + "'");
    }
  }
}
