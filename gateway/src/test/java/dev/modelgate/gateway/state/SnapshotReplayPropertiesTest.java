package dev.modelgate.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.gateway.schema.SchemaException;
import dev.modelgate.gateway.schema.SnapshotJson;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** A snapshot written as JSON, read back and followed by the rest of the events folds to what the whole history folds to. */
class SnapshotReplayPropertiesTest {
  private static final List<String> VERSIONS = List.of("v7", "v8", "v9");
  private static final List<String> ALIASES = List.of("production", "staging");

  /** One move of one alias, valid whatever the alias looks like then. */
  record Step(Action action, int alias, int[] cuts, int pick) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.of(Action.SET_WEIGHTS, Action.PROMOTE, Action.ROLLBACK, Action.AUTO_ROLLBACK),
            Arbitraries.integers().between(0, ALIASES.size() - 1),
            Arbitraries.integers().between(0, 100).array(int[].class).ofSize(2),
            Arbitraries.integers().between(0, VERSIONS.size() - 1))
        .as(Step::new).list().ofMaxSize(60);
  }

  @Property(tries = 200)
  void aSnapshotAtAnySeqPlusTheEventsAfterItFoldsLikeTheWholeHistory(@ForAll("steps") List<Step> steps, @ForAll @IntRange(max = 100) int cutPercent) {
    List<AuditEvent> events = history(steps);
    int cut = Math.max(1, events.size() * cutPercent / 100);
    LedgerState whole = LedgerState.EMPTY.applyAll(events);

    LedgerState atCut = LedgerState.EMPTY.applyAll(events.subList(0, cut));
    LedgerState restored = SnapshotJson.read(SnapshotJson.write(atCut, null, null)).toState();
    LedgerState resumed = restored.applyAll(events.subList(cut, events.size()));

    assertThat(restored).isEqualTo(atCut);
    assertThat(resumed).isEqualTo(whole);
    // Aliases compare without their layouts, which sticky sessions are routed on: compare those too.
    assertThat(layouts(resumed)).isEqualTo(layouts(whole));
  }

  @Test
  void aSnapshotTakenDuringARolloutKeepsItAndTheRolloutCarriesOn() {
    List<AuditEventDraft> drafts = new ArrayList<>(LedgerEvents.lifecycle().subList(0, 7));
    drafts.addAll(LedgerEvents.rollouts());
    List<AuditEvent> events = new ArrayList<>();
    for (AuditEventDraft draft : drafts) {
      events.add(draft.withSeq(events.size() + 1));
    }
    LedgerState whole = LedgerState.EMPTY.applyAll(events);
    for (int cut = 8; cut < events.size(); cut++) {
      LedgerState atCut = LedgerState.EMPTY.applyAll(events.subList(0, cut));
      assertThat(atCut.registry().models().get(LedgerEvents.MODEL).aliases().get("production").rollout()).isNotNull();

      LedgerState restored = SnapshotJson.read(SnapshotJson.write(atCut, null, null)).toState();

      assertThat(restored).as("snapshot at seq %d", cut).isEqualTo(atCut);
      assertThat(restored.applyAll(events.subList(cut, events.size()))).isEqualTo(whole);
    }
  }

  @Test
  void aSnapshotOfAnotherFormatOrWithALayoutThatBreaksItsWeightsIsRefused() {
    LedgerState state = LedgerState.EMPTY.applyAll(history(List.of(new Step(Action.SET_WEIGHTS, 0, new int[] {30, 70}, 1))));
    String json = SnapshotJson.write(state, null, null);
    assertThatThrownBy(() -> SnapshotJson.read(json.replace("\"format\":2", "\"format\":1")))
        .isInstanceOf(SchemaException.class).hasMessageContaining("format: number 1 (expected: 2");
    String stolenBucket = json.replaceFirst("\\{\"version\":\"v7\",\"buckets\":30}", "{\"version\":\"v7\",\"buckets\":29},{\"version\":\"v9\",\"buckets\":1}");
    assertThat(stolenBucket).isNotEqualTo(json);
    assertThatThrownBy(() -> SnapshotJson.read(stolenBucket).toState())
        .isInstanceOf(SchemaException.class).hasMessageStartingWith("layouts.support-agent.production: ");
    assertThatThrownBy(() -> SnapshotJson.read(json.replace("\"declared\":", "\"declared_too\":")))
        .isInstanceOf(SchemaException.class).hasMessageStartingWith("declared: missing");
  }

  @Test
  void aModelThatCannotBeReadIsRefusedNamingItsKey() {
    LedgerState state = LedgerState.EMPTY.applyAll(history(List.of(new Step(Action.SET_WEIGHTS, 0, new int[] {30, 70}, 1))));
    String json = SnapshotJson.write(state, null, null);
    assertThatThrownBy(() -> SnapshotJson.read(json.replace("\"models\":{\"support-agent\":{", "\"models\":{\"support-agent\":{\"colour\":1,")))
        .isInstanceOf(SchemaException.class).hasMessageStartingWith("models.support-agent.colour: unknown key");
    assertThatThrownBy(() -> SnapshotJson.read(json.replace("\"models\":{", "\"models\":{\"other\":null,")))
        .isInstanceOf(SchemaException.class).hasMessageStartingWith("models.other: null");
    assertThatThrownBy(() -> SnapshotJson.read(json.replace("\"models\":{", "\"models\":{\"other\":{\"versions\":{\"v1\":{}}},")))
        .isInstanceOf(SchemaException.class).hasMessageStartingWith("models.other.versions.v1.");
    assertThatThrownBy(() -> SnapshotJson.read(json.replace("\"models\":{", "\"models\":[],\"x\":{")))
        .isInstanceOf(SchemaException.class).hasMessageStartingWith("models: ");
  }

  @Test
  void aModelDeclaredAsItIsRegisteredIsWrittenOnceAndNamedAsDeclared() {
    AuditEvent declared = LedgerEvents.config(1, null, LedgerEvents.declared()).withSeq(1);
    LedgerState asDeclared = LedgerState.EMPTY.applyAll(List.of(declared));
    String json = SnapshotJson.write(asDeclared, null, null);

    assertThat(json).contains("\"declared\":{}", "\"declared_as_registered\":[\"" + LedgerEvents.MODEL + "\"]");
    assertThat(json.split("\"artifact\"", -1)).as("each version's artifact written once").hasSize(LedgerEvents.declared().versions().size() + 1);
    LedgerState restored = SnapshotJson.read(json).toState();
    assertThat(restored).isEqualTo(asDeclared);
    assertThat(restored.declared().get(LedgerEvents.MODEL)).isSameAs(restored.registry().models().get(LedgerEvents.MODEL));
  }

  @Test
  void aSnapshotReadBesideTheConfigFilesModelsKeepsOneCopyOfEachEqualVersion() throws IOException {
    LedgerState asDeclared = LedgerState.EMPTY.applyAll(List.of(LedgerEvents.config(1, null, LedgerEvents.declared()).withSeq(1)));
    String json = SnapshotJson.write(asDeclared, null, null);
    Model inTheFile = LedgerEvents.declared();

    LedgerState beside = SnapshotJson.read(() -> new StringReader(json), new Registry(Map.of(inTheFile.name(), inTheFile))).toState();
    LedgerState alone = SnapshotJson.read(json).toState();

    assertThat(beside).isEqualTo(asDeclared).isEqualTo(alone);
    Model read = beside.registry().models().get(inTheFile.name());
    inTheFile.versions().forEach((id, version) -> {
      assertThat(read.versions().get(id)).as(id).isSameAs(version);
      assertThat(alone.registry().models().get(inTheFile.name()).versions().get(id)).as(id).isEqualTo(version).isNotSameAs(version);
    });
  }

  @Test
  void aModelChangedAtRuntimeKeepsItsOwnDeclaration() {
    LedgerState changed = LedgerState.EMPTY.applyAll(history(List.of(new Step(Action.SET_WEIGHTS, 0, new int[] {30, 70}, 1))));
    String json = SnapshotJson.write(changed, null, null);

    assertThat(json).contains("\"declared_as_registered\":[]").doesNotContain("\"declared\":{}");
    assertThat(SnapshotJson.read(json).toState()).isEqualTo(changed);
  }

  @Test
  void aDeclaredAsRegisteredNameThatIsNotRegisteredOrDeclaredTwiceIsRefusedNamingIt() {
    LedgerState asDeclared = LedgerState.EMPTY.applyAll(List.of(LedgerEvents.config(1, null, LedgerEvents.declared()).withSeq(1)));
    String json = SnapshotJson.write(asDeclared, null, null);
    String list = "\"declared_as_registered\":[\"" + LedgerEvents.MODEL + "\"]";

    assertThatThrownBy(() -> SnapshotJson.read(json.replace(list, "\"declared_as_registered\":[\"" + LedgerEvents.MODEL + "\",\"ghost\"]")).toState())
        .isInstanceOf(SchemaException.class)
        .hasMessageStartingWith("declared_as_registered[1]: 'ghost' is not under models");
    assertThatThrownBy(() -> SnapshotJson.read(json.replace(list, list.replace("]", ",\"" + LedgerEvents.MODEL + "\"]"))).toState())
        .isInstanceOf(SchemaException.class)
        .hasMessageStartingWith("declared_as_registered[1]: '" + LedgerEvents.MODEL + "' is declared twice");
  }

  private static Map<String, String> layouts(LedgerState state) {
    Map<String, String> layouts = new LinkedHashMap<>();
    for (Model model : state.registry().models().values()) {
      for (Alias alias : model.aliases().values()) {
        layouts.put(model.name() + ":" + alias.name(), String.valueOf(alias.layout()));
      }
    }
    return layouts;
  }

  // The declared model with v9 registered, then the steps, each on the state the ones before built.
  private static List<AuditEvent> history(List<Step> steps) {
    List<AuditEvent> events = new ArrayList<>();
    LedgerState state = LedgerState.EMPTY;
    List<AuditEventDraft> drafts = new ArrayList<>(List.of(LedgerEvents.config(1, null, LedgerEvents.declared()), LedgerEvents.register(2, LedgerEvents.v9())));
    int second = 3;
    for (int i = 0; ; i++) {
      while (!drafts.isEmpty()) {
        AuditEvent event = drafts.remove(0).withSeq(state.seq() + 1);
        state = state.applyAll(List.of(event));
        events.add(event);
      }
      if (i == steps.size()) {
        return events;
      }
      Step step = steps.get(i);
      String alias = ALIASES.get(step.alias());
      AliasState before = AliasState.of(state.registry().models().get(LedgerEvents.MODEL).aliases().get(alias));
      drafts.add(LedgerEvents.move(second++, step.action(), alias, before, next(before, step), null));
    }
  }

  private static AliasState next(AliasState before, Step step) {
    long revision = before.revision() + 1;
    String picked = VERSIONS.get(step.pick());
    return switch (step.action()) {
      case PROMOTE -> new AliasState(Map.of(picked, 100), picked, revision);
      case ROLLBACK, AUTO_ROLLBACK -> new AliasState(Map.of(before.stable(), 100), before.stable(), revision);
      default -> {
        int[] cuts = step.cuts().clone();
        Arrays.sort(cuts);
        int[] bounds = {0, cuts[0], cuts[1], 100};
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (int v = 0; v < VERSIONS.size(); v++) {
          if (bounds[v + 1] > bounds[v]) {
            weights.put(VERSIONS.get(v), bounds[v + 1] - bounds[v]);
          }
        }
        yield new AliasState(weights, weights.containsKey(picked) ? picked : weights.keySet().iterator().next(), revision);
      }
    };
  }
}
