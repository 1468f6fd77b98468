package dev.modelgate.core.ledger;

import static dev.modelgate.core.ledger.Events.MODEL;
import static dev.modelgate.core.ledger.Events.PROD;
import static dev.modelgate.core.ledger.Events.T0;
import static dev.modelgate.core.registry.Registries.version;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.split.TrafficSplit;
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

class RegistryFoldPropertiesTest {
  private static final List<String> VERSIONS = List.of("v1", "v2", "v3", "v4");

  /** One operator or guard move, in terms that are valid whatever the alias looks like then. */
  record Step(Action action, int[] cuts, int pick) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step = Combinators.combine(
            Arbitraries.of(Action.SET_WEIGHTS, Action.PROMOTE, Action.ROLLBACK, Action.AUTO_ROLLBACK),
            Arbitraries.integers().between(0, 100).array(int[].class).ofSize(3),
            Arbitraries.integers().between(0, VERSIONS.size() - 1))
        .as(Step::new);
    return step.list().ofMaxSize(40);
  }

  /** Every version registered, then the alias at 100 % v1: where each property's steps start. */
  private static List<AuditEvent> registeredWithAllOnV1() {
    List<AuditEvent> events = new ArrayList<>();
    long seq = 1;
    for (String id : VERSIONS) {
      events.add(new AuditEvent(seq++, T0, "admin", Action.REGISTER_VERSION, MODEL, null,
          new Change.VersionRegistered(version(id, "http://127.0.0.1:" + (9000 + seq))), null, null));
    }
    events.add(Events.move(seq, Action.SET_WEIGHTS, PROD, null, new AliasState(Map.of("v1", 100), "v1", 1)));
    return events;
  }

  @Property(tries = 300)
  void everyMoveAddsOneRevisionAndKeepsWeightsSummingTo100(@ForAll("steps") List<Step> steps) {
    List<AuditEvent> events = registeredWithAllOnV1();
    long seq = events.size() + 1;
    Registry state = RegistryFold.replay(events);

    for (Step step : steps) {
      AliasState before = Events.state(state, PROD);
      AuditEvent event = Events.move(seq++, step.action(), PROD, before, next(before, step));
      state = RegistryFold.apply(state, event);
      events.add(event);

      AliasState after = Events.state(state, PROD);
      assertThat(after.revision()).isEqualTo(before.revision() + 1);
      assertThat(after.weights().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
      assertThat(VERSIONS).containsAll(after.weights().keySet()).contains(after.stable());
    }
    assertThat(RegistryFold.replay(events)).isEqualTo(state);
  }

  @Property(tries = 300)
  void everyMoveMovesTheFewestStickyBucketsAndAReplayRebuildsTheSameLayout(@ForAll("steps") List<Step> steps) {
    List<AuditEvent> events = registeredWithAllOnV1();
    long seq = events.size() + 1;
    Registry state = RegistryFold.replay(events);

    for (Step step : steps) {
      Alias before = Events.alias(state, PROD);
      AuditEvent event = Events.move(seq++, step.action(), PROD, AliasState.of(before), next(AliasState.of(before), step));
      state = RegistryFold.apply(state, event);
      events.add(event);

      Alias after = Events.alias(state, PROD);
      int mustMove = 0;
      for (Map.Entry<String, Integer> w : before.weights().entrySet()) {
        mustMove += Math.max(0, w.getValue() - after.weights().getOrDefault(w.getKey(), 0));
      }
      int moved = 0;
      for (int bucket = 0; bucket < TrafficSplit.BUCKETS; bucket++) {
        moved += before.layout().owner(bucket).equals(after.layout().owner(bucket)) ? 0 : 1;
      }
      assertThat(moved).isEqualTo(mustMove);
    }
    assertThat(Events.alias(RegistryFold.replay(events), PROD).layout()).isEqualTo(Events.alias(state, PROD).layout());
  }

  private static AliasState next(AliasState before, Step step) {
    long revision = before.revision() + 1;
    String picked = VERSIONS.get(step.pick());
    switch (step.action()) {
      case PROMOTE:
        return new AliasState(Map.of(picked, 100), picked, revision);
      case ROLLBACK:
      case AUTO_ROLLBACK:
        return new AliasState(Map.of(before.stable(), 100), before.stable(), revision);
      default:
        int[] cuts = step.cuts().clone();
        Arrays.sort(cuts);
        int[] bounds = {0, cuts[0], cuts[1], cuts[2], 100};
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (int i = 0; i < VERSIONS.size(); i++) {
          if (bounds[i + 1] > bounds[i]) {
            weights.put(VERSIONS.get(i), bounds[i + 1] - bounds[i]);
          }
        }
        return new AliasState(weights, picked, revision);
    }
  }
}
