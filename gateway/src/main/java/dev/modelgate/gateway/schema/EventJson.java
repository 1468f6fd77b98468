package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

/**
 * The JSON of an audit event (docs/admin-api.md), one object, in the ledger file, the audit query and
 * webhooks alike:
 * <pre>
 * {"seq":3,"time":"2026-05-01T12:00:03Z","actor":"ops","action":"set_weights","model":"support-agent",
 *  "alias":"production","before":{"weights":{"v7":90,"v8":10},"stable":"v7","revision":1},
 *  "after":{"weights":{"v7":50,"v8":50},"stable":"v7","revision":2},"reason":"canary","evidence":{}}
 * </pre>
 * The ten keys are always written, {@code null} included. What {@code before}/{@code after} hold
 * depends on {@code action}: a {@link VersionJson} with its id for {@code register_version} (before
 * is null), an {@link AliasStateJson} for the four alias moves, a {@link ModelJson} for
 * {@code config}; so they are read as trees, then mapped once the action is known. Evidence is
 * free-form (nulls included) and always written; a line without it reads as having none.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record EventJson(
    @Required @JsonPropertyDescription(Ranges.SEQ) Long seq,
    @Required Instant time,
    @Required String actor,
    @Required Action action,
    @Required String model,
    String alias,
    JsonNode before,
    JsonNode after,
    String reason,
    Map<String, Object> evidence) {

  public EventJson {
    Ranges.check("seq", seq, 1, Ranges.SEQ);
  }

  public static EventJson of(AuditEvent event) {
    Object before = null;
    Object after;
    Change change = event.change();
    if (change instanceof Change.VersionRegistered registered) {
      after = VersionJson.of(registered.version());
    } else if (change instanceof Change.AliasChanged moved) {
      before = AliasStateJson.of(moved.before());
      after = AliasStateJson.of(moved.after());
    } else {
      Change.ModelDeclared declared = (Change.ModelDeclared) change;
      before = ModelJson.of(declared.before());
      after = ModelJson.of(declared.after());
    }
    return new EventJson(event.seq(), event.time(), event.actor(), event.action(), event.model(), event.alias(),
        before == null ? null : Schema.tree(before), after == null ? null : Schema.tree(after), event.reason(), event.evidence());
  }

  /** The event as one line of JSON, without the newline. */
  public static String write(AuditEvent event) {
    return Schema.write(of(event));
  }

  /**
   * Reads one event from bytes as they lie in a file, so invalid UTF-8 is an error too.
   *
   * @throws SchemaException naming the key path and what is wrong
   */
  public static AuditEvent read(byte[] json, int offset, int length) {
    return Schema.read(json, offset, length, EventJson.class).toEvent();
  }

  /** Like {@link #read(byte[], int, int)} for text. */
  public static AuditEvent read(String json) {
    return Schema.read(json, EventJson.class).toEvent();
  }

  /**
   * The event this JSON records.
   *
   * @throws SchemaException when a part does not fit the action, or the parts contradict each other
   */
  public AuditEvent toEvent() {
    Change change = switch (action) {
      case REGISTER_VERSION -> {
        if (present(before)) {
          throw new SchemaException("before", Schema.describe(before) + " (expected: null: a version replaces nothing)");
        }
        yield new Change.VersionRegistered(part("after", after, VersionJson.class, VersionJson::toVersion));
      }
      case CONFIG -> new Change.ModelDeclared(
          present(before) ? part("before", before, ModelJson.class, m -> m.toModel(model)) : null,
          present(after) ? part("after", after, ModelJson.class, m -> m.toModel(model)) : null);
      default -> new Change.AliasChanged(
          present(before) ? part("before", before, AliasStateJson.class, AliasStateJson::toState) : null,
          part("after", after, AliasStateJson.class, AliasStateJson::toState));
    };
    try {
      return new AuditEvent(seq, time, actor, action, model, alias, change, reason, evidence);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new SchemaException("", "inconsistent event: " + e.getMessage());
    }
  }

  private static boolean present(JsonNode node) {
    return node != null && !node.isNull();
  }

  /** {@code node} read as {@code type} and built into what the event holds, problems named from the event's top. */
  private static <J, T> T part(String key, JsonNode node, Class<J> type, Function<J, T> build) {
    if (!present(node)) {
      throw new SchemaException(key, Schema.describe(node) + " (expected: an object)");
    }
    try {
      return build.apply(Schema.convert(node, type));
    } catch (SchemaException e) {
      throw e.under(key);
    }
  }
}
