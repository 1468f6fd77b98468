package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.RegistryRules;
import dev.modelgate.core.split.BucketLayout;
import dev.modelgate.core.split.TrafficSplit;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A ledger snapshot (docs/operations.md, "Snapshots"): the {@link LedgerState} as of {@code seq}, one
 * JSON document, so start-up reads it and only the events after it.
 * <pre>
 * {"format":2,"seq":120000,"ledger_bytes":51234567,"ledger_lines":120800,
 *  "models":{"support-agent":{…as a config event's after, revisions as they are now…}},
 *  "layouts":{"support-agent":{"production":[{"version":"v7","buckets":80},{"version":"v9","buckets":10},…]}},
 *  "declared":{"support-agent":{…as the config file last declared it…}},
 *  "declared_as_registered":["meta-llama/Llama-3.1-8B",…],
 *  "auto_rollbacks":[{…the last auto_rollback event of each alias…}]}
 * </pre>
 * Models reuse {@link ModelJson}, each made into (or from) a model as it is read (or written) rather
 * than held as a whole map of JSON shapes ({@link ModelsJson}); aliases' bucket layouts, which no
 * event carries, sit beside them as runs of buckets, in bucket order. A model the config file declared exactly as it is registered
 * (the common case: nothing changed it at runtime) is only named in {@code declared_as_registered},
 * not written twice: format 1 held every model twice, and reading it back cost more than replaying
 * the events it summarised.
 * {@code ledger_bytes} and {@code ledger_lines} say where the file store's events after {@code seq}
 * start; PostgreSQL leaves them out. A document of another {@code format} is refused, so a release
 * that changes what a snapshot holds falls back to replaying the events rather than misread it.
 */
public record SnapshotJson(
    @Required @JsonPropertyDescription("2") Integer format,
    @Required @JsonPropertyDescription(Ranges.SEQ) Long seq,
    Long ledgerBytes,
    Long ledgerLines,
    @Required @JsonSerialize(contentConverter = ModelsJson.Writing.class) @JsonDeserialize(using = ModelsJson.class) Map<String, Model> models,
    @Required @JsonSetter(contentNulls = Nulls.FAIL) Map<String, Map<String, List<Run>>> layouts,
    @Required @JsonSerialize(contentConverter = ModelsJson.Writing.class) @JsonDeserialize(using = ModelsJson.class) Map<String, Model> declared,
    @Required @JsonSetter(contentNulls = Nulls.FAIL) List<String> declaredAsRegistered,
    @Required @JsonSetter(contentNulls = Nulls.FAIL) List<EventJson> autoRollbacks) {

  public static final int FORMAT = 2;

  /** {@code buckets} consecutive buckets owned by {@code version}. */
  public record Run(@Required String version, @Required @JsonPropertyDescription("an integer from 1 to 100") Integer buckets) {
    public Run {
      Ranges.check("buckets", buckets, 1, "an integer from 1 to 100");
    }
  }

  public SnapshotJson {
    if (!Integer.valueOf(FORMAT).equals(format)) {
      throw new SchemaException("format", "number " + format + " (expected: " + FORMAT + "; another release wrote this snapshot)");
    }
    Ranges.check("seq", seq, 1, Ranges.SEQ);
  }

  /**
   * The document of {@code state}; {@code ledgerBytes} and {@code ledgerLines} are the file store's
   * position after the state's last event, {@code null} for other stores.
   */
  public static String write(LedgerState state, Long ledgerBytes, Long ledgerLines) {
    return Schema.write(of(state, ledgerBytes, ledgerLines));
  }

  /** Like {@link #write(LedgerState, Long, Long)}, streamed to {@code out} as UTF-8 and left open. */
  public static void write(LedgerState state, Long ledgerBytes, Long ledgerLines, OutputStream out) throws IOException {
    Schema.write(of(state, ledgerBytes, ledgerLines), out);
  }

  private static SnapshotJson of(LedgerState state, Long ledgerBytes, Long ledgerLines) {
    Map<String, Model> models = new LinkedHashMap<>();
    Map<String, Map<String, List<Run>>> layouts = new LinkedHashMap<>();
    state.registry().models().forEach((name, model) -> {
      models.put(name, model);
      Map<String, List<Run>> owners = new LinkedHashMap<>();
      model.aliases().forEach((alias, a) -> owners.put(alias, runs(a.layout().owners())));
      layouts.put(name, owners);
    });
    Map<String, Model> declared = new LinkedHashMap<>();
    List<String> declaredAsRegistered = new ArrayList<>();
    state.declared().forEach((name, model) -> {
      if (model.equals(state.registry().models().get(name))) {
        declaredAsRegistered.add(name);
      } else {
        declared.put(name, model);
      }
    });
    List<EventJson> rollbacks = state.autoRollbacks().stream().map(EventJson::of).toList();
    return new SnapshotJson(FORMAT, state.seq(), ledgerBytes, ledgerLines, models, layouts, declared, declaredAsRegistered, rollbacks);
  }

  /**
   * Reads a snapshot from bytes as they lie in a file.
   *
   * @throws SchemaException naming the key at fault, or the document when it is not JSON
   */
  public static SnapshotJson read(byte[] json) {
    return Schema.read(json, 0, json.length, SnapshotJson.class);
  }

  /**
   * Like {@link #read(byte[])} from a file, streamed rather than held whole.
   *
   * @param likely models the snapshot probably holds (the config file's, at start-up): a version
   *     equal to one of theirs is that very instance, so a restart keeps one copy of each, not two
   */
  public static SnapshotJson read(Path file, Registry likely) throws IOException {
    return Schema.read(file, SnapshotJson.class, Map.of(ModelsJson.LIKELY, likely));
  }

  /** Like {@link #read(byte[])} for text. */
  public static SnapshotJson read(String json) {
    return Schema.read(json, SnapshotJson.class);
  }

  /** Like {@link #read(Path, Registry)} from text read as it comes. */
  public static SnapshotJson read(Schema.Text json, Registry likely) throws IOException {
    return Schema.read(json, SnapshotJson.class, Map.of(ModelsJson.LIKELY, likely));
  }

  /**
   * The state this snapshot holds, checked as the fold checks every state it builds.
   *
   * @throws SchemaException when a part does not fit or the registry breaks a rule
   */
  public LedgerState toState() {
    Map<String, Model> registered = new LinkedHashMap<>();
    models.forEach((name, model) -> registered.put(name, withLayouts(name, model)));
    layouts.keySet().stream().filter(name -> !models.containsKey(name)).findFirst().ifPresent(name -> {
      throw new SchemaException("layouts." + name, "a layout of no model (expected: only models under models)");
    });
    Registry registry = new Registry(registered);
    List<String> problems = RegistryRules.problems(registry);
    if (!problems.isEmpty()) {
      throw new SchemaException("models", String.join("; ", problems));
    }
    Map<String, Model> lastDeclared = new LinkedHashMap<>();
    declared.forEach((name, model) -> lastDeclared.put(name, ModelsJson.sharingVersions(model, registered.get(name))));
    for (int i = 0; i < declaredAsRegistered.size(); i++) {
      String name = declaredAsRegistered.get(i);
      Model model = registered.get(name);
      if (model == null || lastDeclared.putIfAbsent(name, model) != null) {
        throw new SchemaException("declared_as_registered[" + i + "]", "'" + name + "'"
            + (model == null ? " is not under models" : " is declared twice") + " (expected: a registered model declared as it is registered)");
      }
    }
    List<AuditEvent> rollbacks = new ArrayList<>();
    for (int i = 0; i < autoRollbacks.size(); i++) {
      AuditEvent event = part("auto_rollbacks[" + i + "]", autoRollbacks.get(i)::toEvent);
      if (event.action() != Action.AUTO_ROLLBACK || event.seq() > seq) {
        throw new SchemaException("auto_rollbacks[" + i + "]", event.action() + " seq " + event.seq()
            + " (expected: an auto_rollback at or before seq " + seq + ")");
      }
      rollbacks.add(event);
    }
    return new LedgerState(seq, registry, lastDeclared, rollbacks);
  }

  // Each alias gets the layout its history built; one the snapshot lacks, or that breaks the weights, is refused.
  private Model withLayouts(String name, Model model) {
    Map<String, List<Run>> owners = layouts.getOrDefault(name, Map.of());
    Map<String, Alias> aliases = new LinkedHashMap<>();
    model.aliases().forEach((aliasName, alias) -> {
      String path = "layouts." + name + "." + aliasName;
      List<Run> recorded = owners.get(aliasName);
      if (recorded == null) {
        throw new SchemaException(path, "missing (expected: the alias's " + TrafficSplit.BUCKETS + " bucket owners)");
      }
      BucketLayout layout = part(path, () -> BucketLayout.of(owners(recorded)));
      if (alias.layout() != null && !layout.moveTo(alias.weights()).equals(layout)) {
        throw new SchemaException(path, layout + " (expected: a layout giving each version its weight " + alias.weights() + ")");
      }
      aliases.put(aliasName, new Alias(aliasName, alias.weights(), alias.stable(), alias.revision(), alias.slo(), alias.sticky(), layout,
          alias.rollout()));
    });
    return new Model(name, model.defaultAlias(), model.description(), model.owner(), model.tags(), model.versions(), aliases);
  }

  private static List<Run> runs(List<String> owners) {
    List<Run> runs = new ArrayList<>();
    int start = 0;
    for (int bucket = 1; bucket <= owners.size(); bucket++) {
      if (bucket == owners.size() || !owners.get(bucket).equals(owners.get(start))) {
        runs.add(new Run(owners.get(start), bucket - start));
        start = bucket;
      }
    }
    return runs;
  }

  private static List<String> owners(List<Run> runs) {
    List<String> owners = new ArrayList<>(TrafficSplit.BUCKETS);
    for (Run run : runs) {
      if (owners.size() + run.buckets() > TrafficSplit.BUCKETS) {
        throw new IllegalArgumentException("runs of more than " + TrafficSplit.BUCKETS + " buckets (expected: " + TrafficSplit.BUCKETS + ")");
      }
      owners.addAll(Collections.nCopies(run.buckets(), run.version()));
    }
    return owners;
  }

  private static <T> T part(String path, Supplier<T> build) {
    try {
      return build.get();
    } catch (SchemaException e) {
      throw e.under(path);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new SchemaException(path, e.getMessage());
    }
  }
}
