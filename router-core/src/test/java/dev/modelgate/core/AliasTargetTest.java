package dev.modelgate.core;

import static dev.modelgate.core.registry.Registries.MODEL;
import static dev.modelgate.core.registry.Registries.model;
import static dev.modelgate.core.registry.Registries.registry;
import static dev.modelgate.core.registry.Registries.supportAgent;
import static dev.modelgate.core.registry.Registries.version;
import static dev.modelgate.core.registry.Registries.weights;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registries;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.StickyKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The weighted pick as a request sees it: through a built routing table. */
class AliasTargetTest {

  private static AliasTarget production(RoutingTable table) {
    return (AliasTarget) table.lookup(MODEL + ":production");
  }

  private static RoutingTable table(Registry registry, RoutingTable previous) {
    return RoutingTable.build(registry, previous, Map.<String, String>of()::get);
  }

  private static String versionOf(AliasTarget target, String key) {
    return target.pick(key).version().id();
  }

  @Test
  void sendsExactlyTenPercentToTheCanaryOverTwoThousandPicks() {
    AliasTarget target = production(table(supportAgent(90, 10), RoutingTable.EMPTY));

    int canary = 0;
    int stable = 0;
    for (int i = 0; i < 2_000; i++) {
      RouteDecision decision = target.pick();
      if (decision.version().id().equals("v8")) {
        assertThat(decision.route()).isEqualTo(Route.CANARY);
        canary++;
      } else {
        assertThat(decision.route()).isEqualTo(Route.STABLE);
        stable++;
      }
    }
    assertThat(canary).isEqualTo(200);
    assertThat(stable).isEqualTo(1_800);
  }

  @Test
  void matchesTheWeightsInEveryWindowOfAHundredPicksNotOnlyFromTheStart() {
    AliasTarget target = production(table(supportAgent(90, 10), RoutingTable.EMPTY));
    for (int i = 0; i < 37; i++) {
      target.pick();
    }

    int canary = 0;
    for (int i = 0; i < 100; i++) {
      if (target.pick().version().id().equals("v8")) {
        canary++;
      }
    }
    assertThat(canary).isEqualTo(10);
  }

  @Test
  void sharesOneSequenceBetweenEverySpellingOfTheAlias() {
    RoutingTable table = table(supportAgent(50, 50), RoutingTable.EMPTY);
    AliasTarget[] spellings = {
        (AliasTarget) table.lookup(MODEL), (AliasTarget) table.lookup(MODEL + ":production"), (AliasTarget) table.lookup(MODEL + "@production")};

    int canary = 0;
    for (int i = 0; i < 300; i++) {
      if (spellings[i % 3].pick().version().id().equals("v8")) {
        canary++;
      }
    }
    assertThat(canary).isEqualTo(150);
  }

  @Test
  void handsOutSharedDecisionsInsteadOfAllocatingPerPick() {
    AliasTarget target = production(table(supportAgent(90, 10), RoutingTable.EMPTY));

    RouteDecision first = target.pick("session-1");
    assertThat(target.pick("session-1")).isSameAs(first);
  }

  @Test
  void exposesTheAliasAndWhereItsStickyKeyIsRead() {
    AliasTarget target = production(table(supportAgent(90, 10), RoutingTable.EMPTY));

    assertThat(target.model()).isEqualTo(MODEL);
    assertThat(target.alias().name()).isEqualTo("production");
    assertThat(target.sticky()).isEqualTo(new StickyKey(StickyKey.Source.HEADER, "x-session-id"));
  }

  @Test
  void fallsBackToTheSequenceWhenARequestHasNoStickyKey() {
    AliasTarget target = production(table(supportAgent(90, 10), RoutingTable.EMPTY));

    int canary = 0;
    for (int i = 0; i < 100; i++) {
      if (target.pick((CharSequence) null).version().id().equals("v8")) {
        canary++;
      }
    }
    assertThat(canary).isEqualTo(10);
  }

  @Test
  void keepsStickyKeysOnTheirVersionWhileWeightsHold() {
    RoutingTable first = table(supportAgent(90, 10), RoutingTable.EMPTY);
    // A rebuilt table (another model registered, a revision bumped, a restart) with the same weights.
    RoutingTable rebuilt = table(supportAgent(90, 10), first);
    RoutingTable fresh = table(supportAgent(90, 10), RoutingTable.EMPTY);

    for (int i = 0; i < 10_000; i++) {
      String key = "session-" + i;
      String version = versionOf(production(first), key);
      assertThat(versionOf(production(first), key)).isEqualTo(version);
      assertThat(versionOf(production(rebuilt), key)).isEqualTo(version);
      assertThat(versionOf(production(fresh), key)).isEqualTo(version);
    }
  }

  @Test
  void sendsStickyKeysToEachVersionInProportionToItsWeight() {
    AliasTarget target = production(table(supportAgent(90, 10), RoutingTable.EMPTY));

    int canary = 0;
    for (int i = 0; i < 100_000; i++) {
      if (versionOf(target, "user-" + i).equals("v8")) {
        canary++;
      }
    }
    assertThat(canary).isBetween(9_000, 11_000);
  }

  @Test
  void movesOnlyTheShareOfStickyKeysThatMustMoveWhenTheCanaryGrows() {
    AliasTarget before = production(table(supportAgent(90, 10), RoutingTable.EMPTY));
    AliasTarget after = production(table(supportAgent(80, 20), RoutingTable.EMPTY));

    int keys = 100_000;
    int movedToCanary = 0;
    int movedToStable = 0;
    for (int i = 0; i < keys; i++) {
      String key = "user-" + i;
      String was = versionOf(before, key);
      String is = versionOf(after, key);
      if (was.equals("v7") && is.equals("v8")) {
        movedToCanary++;
      } else if (was.equals("v8") && is.equals("v7")) {
        movedToStable++;
      }
    }
    assertThat(movedToStable).isZero();
    assertThat(movedToCanary).isBetween(9_000, 11_000);
  }

  @Test
  void movesOnlyTheTenPercentOfStickyKeysANewThirdVersionTakes() {
    Alias canary = Registries.stickyAlias("production", "v7", weights("v7", 90, "v8", 10));
    Alias third = canary.withWeights(weights("v7", 80, "v8", 10, "v9", 10), "v7");
    List<ModelVersion> versions = List.of(version("v7", "http://127.0.0.1:9001"), version("v8", "http://127.0.0.1:9002"),
        version("v9", "http://127.0.0.1:9003"));
    RoutingTable before = table(registry(model(MODEL, versions, List.of(canary))), RoutingTable.EMPTY);
    RoutingTable after = table(registry(model(MODEL, versions, List.of(third))), before);

    Random random = new Random(7);
    Map<String, Integer> moves = new HashMap<>();
    int keys = 10_000;
    for (int i = 0; i < keys; i++) {
      String key = new UUID(random.nextLong(), random.nextLong()).toString();
      String was = versionOf(production(before), key);
      String is = versionOf(production(after), key);
      if (!was.equals(is)) {
        moves.merge(was + "→" + is, 1, Integer::sum);
      }
    }
    // Re-cutting contiguous runs would also push v8's run along: 20 % moved, half of it v8 → v9.
    assertThat(moves).containsOnlyKeys("v7→v9");
    assertThat(moves.get("v7→v9")).isBetween(900, 1_100);
  }

  @Test
  void returnsEveryKeyToItsOldVersionAfterARollbackAndARetry() {
    AliasTarget canary = production(table(supportAgent(90, 10), RoutingTable.EMPTY));
    AliasTarget rolledBack = production(table(supportAgent(100, 0), RoutingTable.EMPTY));
    AliasTarget retried = production(table(supportAgent(90, 10), RoutingTable.EMPTY));

    for (int i = 0; i < 10_000; i++) {
      String key = "user-" + i;
      assertThat(versionOf(rolledBack, key)).isEqualTo("v7");
      assertThat(versionOf(retried, key)).isEqualTo(versionOf(canary, key));
    }
  }
}
