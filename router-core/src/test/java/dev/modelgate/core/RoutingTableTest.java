package dev.modelgate.core;

import static dev.modelgate.core.registry.Registries.alias;
import static dev.modelgate.core.registry.Registries.model;
import static dev.modelgate.core.registry.Registries.registry;
import static dev.modelgate.core.registry.Registries.supportAgent;
import static dev.modelgate.core.registry.Registries.version;
import static dev.modelgate.core.registry.Registries.versionWithKey;
import static dev.modelgate.core.registry.Registries.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.modelgate.core.registry.InvalidRegistryException;
import dev.modelgate.core.registry.Registry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
  private static final Function<String, String> NO_ENV = name -> null;

  /**
   * support-agent: v7 and v8 (declared out of order, plus v10 to check numeric order), production
   * 90/10 stable v7, staging 100 % v8; meta-llama/Llama-3.1-8B: v3, production 100 % v3.
   */
  private static Registry twoModels() {
    return registry(
        model("support-agent",
            List.of(version("v8", "http://127.0.0.1:9002"), version("v10", "http://127.0.0.1:9003"), version("v7", "http://127.0.0.1:9001")),
            List.of(alias("production", "v7", weights("v7", 90, "v8", 10, "v10", 0)), alias("staging", "v8", weights("v8", 100)))),
        model("meta-llama/Llama-3.1-8B",
            List.of(version("v3", "http://127.0.0.1:9101")),
            List.of(alias("production", "v3", weights("v3", 100)))));
  }

  private static RoutingTable build(Registry registry) {
    return RoutingTable.build(registry, RoutingTable.EMPTY, NO_ENV);
  }

  /** The versions and route kinds 100 consecutive picks of an alias reach, with their counts. */
  private static Map<String, Integer> hundredPicks(Target target) {
    AliasTarget alias = (AliasTarget) target;
    Map<String, Integer> counts = new java.util.TreeMap<>();
    for (int i = 0; i < 100; i++) {
      RouteDecision d = alias.pick();
      counts.merge(d.version().id() + "/" + d.route().header(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void tellsItsOwnDecisionsFromThoseOfTheTableItReplaced() {
    RoutingTable first = build(twoModels());
    RoutingTable next = RoutingTable.build(twoModels(), first, NO_ENV);
    RouteDecision old = ((AliasTarget) first.lookup("support-agent")).pick();
    RouteDecision current = ((AliasTarget) next.lookup("support-agent")).pick();
    RouteDecision pinned = ((PinnedTarget) next.lookup("support-agent:v10")).decision();

    assertThat(first.built(old)).isTrue();
    assertThat(next.built(current)).isTrue();
    assertThat(next.built(pinned)).isTrue();
    assertThat(next.built(old)).isFalse();
    assertThat(first.built(current)).isFalse();
  }

  @Test
  void indexesEveryDecisionItHandsOutDenselyFromZero() {
    RoutingTable table = build(twoModels());
    Set<RouteDecision> handedOut = new HashSet<>();
    for (String id : table.modelIds()) {
      Target target = table.lookup(id);
      if (target instanceof PinnedTarget pinned) {
        handedOut.add(pinned.decision());
      } else {
        for (int i = 0; i < 100; i++) {
          handedOut.add(((AliasTarget) target).pick());
        }
      }
    }

    // Pinned: v7, v8, v10, v3; production v7 and v8 (v10 has weight 0), staging v8, llama production v3.
    assertThat(table.decisions()).hasSize(8).containsExactlyInAnyOrderElementsOf(handedOut);
    for (int i = 0; i < table.decisions().size(); i++) {
      assertThat(table.decisions().get(i).index()).isEqualTo(i);
    }
  }

  @Test
  void keepsOneValuePerDecisionAndNoneForTheDecisionsOfAReplacedTable() {
    RoutingTable first = build(twoModels());
    RoutingTable next = RoutingTable.build(twoModels(), first, NO_ENV);
    PerDecision<String> labels = PerDecision.of(next, d -> d.model() + ":" + d.alias() + ":" + d.version().id() + ":" + d.route().header());

    RouteDecision canary = ((AliasTarget) next.lookup("support-agent")).pick("session-that-lands-anywhere");
    assertThat(labels.get(canary)).isEqualTo("support-agent:production:" + canary.version().id() + ":" + canary.route().header());
    assertThat(labels.get(((PinnedTarget) next.lookup("support-agent:v10")).decision())).isEqualTo("support-agent:null:v10:pinned");
    for (RouteDecision replaced : first.decisions()) {
      assertThat(labels.get(replaced)).isNull();
    }
  }

  @Test
  void routesABareNameThroughTheDefaultAlias() {
    RoutingTable table = build(twoModels());

    Target bare = table.lookup("support-agent");
    assertThat(bare).isInstanceOf(AliasTarget.class).isSameAs(table.lookup("support-agent:production"));
    assertThat(((AliasTarget) bare).alias().name()).isEqualTo("production");
  }

  @Test
  void routesBothAliasSpellingsToTheSameTarget() {
    RoutingTable table = build(twoModels());

    assertThat(table.lookup("support-agent:staging"))
        .isInstanceOf(AliasTarget.class)
        .isSameAs(table.lookup("support-agent@staging"));
    assertThat(hundredPicks(table.lookup("support-agent@staging"))).containsExactly(Map.entry("v8/stable", 100));
  }

  @Test
  void pinsBothVersionSpellingsToThatVersion() {
    RoutingTable table = build(twoModels());

    for (String spelling : List.of("support-agent:v8", "support-agent@v8")) {
      assertThat(table.lookup(spelling))
          .asInstanceOf(type(PinnedTarget.class))
          .satisfies(pinned -> {
            assertThat(pinned.model()).isEqualTo("support-agent");
            assertThat(pinned.decision().route()).isEqualTo(Route.PINNED);
            assertThat(pinned.decision().alias()).isNull();
            assertThat(pinned.decision().version().id()).isEqualTo("v8");
          });
    }
    assertThat(table.lookup("support-agent:v8")).isSameAs(table.lookup("support-agent@v8"));
  }

  @Test
  void pinsAModelWhoseNameHasASlash() {
    RoutingTable table = build(twoModels());

    assertThat(table.lookup("meta-llama/Llama-3.1-8B:v3")).isInstanceOf(PinnedTarget.class);
    assertThat(hundredPicks(table.lookup("meta-llama/Llama-3.1-8B"))).containsExactly(Map.entry("v3/stable", 100));
  }

  @Test
  void marksTheStableVersionStableAndEveryOtherWeightedVersionCanary() {
    RoutingTable table = build(twoModels());

    assertThat(hundredPicks(table.lookup("support-agent:production")))
        .containsExactly(Map.entry("v7/stable", 90), Map.entry("v8/canary", 10));
  }

  @Test
  void marksAVersionCanaryWhenItCarriesAllTheWeightButIsNotStable() {
    RoutingTable table = build(registry(model("m",
        List.of(version("v1", "http://h:1"), version("v2", "http://h:2")),
        List.of(alias("production", "v1", weights("v1", 0, "v2", 100))))));

    assertThat(hundredPicks(table.lookup("m"))).containsExactly(Map.entry("v2/canary", 100));
  }

  @Test
  void sendsNoTrafficToAZeroWeightVersionButStillServesItPinned() {
    RoutingTable table = build(twoModels());
    AliasTarget production = (AliasTarget) table.lookup("support-agent");

    Set<String> reached = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      reached.add(production.pick().version().id());
      reached.add(production.pick("key-" + i).version().id());
    }
    assertThat(reached).containsExactlyInAnyOrder("v7", "v8");
    assertThat(table.lookup("support-agent:v10")).isInstanceOf(PinnedTarget.class);
  }

  @Test
  void routesABareNameThroughAConfiguredDefaultAlias() {
    RoutingTable table = build(registry(model("m", "stable",
        List.of(version("v1", "http://h:1")),
        List.of(alias("stable", "v1", weights("v1", 100))))));

    assertThat(table.lookup("m")).isSameAs(table.lookup("m:stable"));
    assertThat(table.lookup("m:production")).isNull();
  }

  @Test
  void findsNothingForABareNameWhoseDefaultAliasDoesNotExist() {
    RoutingTable table = build(registry(model("m",
        List.of(version("v1", "http://h:1")),
        List.of(alias("staging", "v1", weights("v1", 100))))));

    assertThat(table.lookup("m")).isNull();
    assertThat(table.whyNotFound("m")).isEqualTo("The model 'm' has no alias 'production'.");
    assertThat(table.modelIds()).containsExactly("m:staging", "m:v1");
  }

  @Test
  void matchesNamesExactlyAndCaseSensitively() {
    RoutingTable table = build(twoModels());

    assertThat(table.lookup("Support-Agent")).isNull();
    assertThat(table.lookup("support-agent:Production")).isNull();
    assertThat(table.lookup("support-agent:v07")).isNull();
    assertThat(table.lookup(" support-agent")).isNull();
  }

  @Test
  void explainsAnUnknownModel() {
    RoutingTable table = build(twoModels());

    assertThat(table.whyNotFound("nope")).isEqualTo("The model 'nope' does not exist.");
    assertThat(table.whyNotFound("nope:production")).isEqualTo("The model 'nope:production' does not exist.");
    assertThat(RoutingTable.EMPTY.whyNotFound("support-agent")).isEqualTo("The model 'support-agent' does not exist.");
  }

  @Test
  void explainsAnUnknownAlias() {
    RoutingTable table = build(twoModels());

    assertThat(table.whyNotFound("support-agent:nightly")).isEqualTo("The model 'support-agent' has no alias 'nightly'.");
    assertThat(table.whyNotFound("support-agent@nightly")).isEqualTo("The model 'support-agent' has no alias 'nightly'.");
  }

  @Test
  void explainsAnUnknownVersion() {
    RoutingTable table = build(twoModels());

    assertThat(table.whyNotFound("support-agent:v99")).isEqualTo("The model 'support-agent' has no version 'v99'.");
    assertThat(table.whyNotFound("support-agent@v9")).isEqualTo("The model 'support-agent' has no version 'v9'.");
  }

  @Test
  void explainsAMalformedFieldWithTheParserProblem() {
    RoutingTable table = build(twoModels());

    assertThat(table.whyNotFound("")).isEqualTo("The model '' does not exist: model name is empty.");
    assertThat(table.whyNotFound("support-agent:")).startsWith("The model 'support-agent:' does not exist: nothing after ':'");
    assertThat(table.whyNotFound("support-agent:v01")).contains("alias 'v01' looks like a version id");
  }

  @Test
  void echoesAtMost160CharactersOfAHostileField() {
    RoutingTable table = build(twoModels());
    String hostile = "x".repeat(10_000);

    assertThat(table.whyNotFound(hostile))
        .startsWith("The model '" + "x".repeat(160) + "…' does not exist: model name is 10000 characters long")
        .hasSizeLessThan(300);
  }

  @Test
  void listsEveryModelAliasAndVersionIdInOrder() {
    RoutingTable table = build(twoModels());

    assertThat(table.modelIds()).containsExactly(
        "support-agent", "support-agent:production", "support-agent:staging",
        "support-agent:v7", "support-agent:v8", "support-agent:v10",
        "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B:production", "meta-llama/Llama-3.1-8B:v3");
    assertThatThrownBy(() -> table.modelIds().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void resolvesEveryIdItLists() {
    RoutingTable table = build(twoModels());

    assertThat(table.modelIds()).allSatisfy(id -> assertThat(table.lookup(id)).as(id).isNotNull());
  }

  @Test
  void listsNothingWhenEmpty() {
    assertThat(RoutingTable.EMPTY.modelIds()).isEmpty();
    assertThat(RoutingTable.EMPTY.lookup("support-agent")).isNull();
    assertThat(build(Registry.EMPTY).modelIds()).isEmpty();
  }

  @Test
  void sharesOneEndpointObjectBetweenVersionsOnTheSameUrl() {
    RoutingTable table = build(registry(model("m",
        List.of(version("v1", "http://h:1", "http://h:2"), version("v2", "http://h:2")),
        List.of(alias("production", "v1", weights("v1", 50, "v2", 50))))));

    Endpoint viaV1 = ((PinnedTarget) table.lookup("m:v1")).decision().version().endpoints().get(1);
    Endpoint viaV2 = ((PinnedTarget) table.lookup("m:v2")).decision().version().endpoints().get(0);
    assertThat(viaV1).isSameAs(viaV2);
    assertThat(table.endpoints()).extracting(Endpoint::url).containsExactly("http://h:1", "http://h:2");
  }

  @Test
  void carriesEndpointsTheirLoadAndTheirGatesOverToARebuiltTable() {
    List<String> gated = new ArrayList<>();
    RoutingTable before = RoutingTable.build(supportAgent(90, 10), RoutingTable.EMPTY, NO_ENV, url -> {
      gated.add(url);
      return new TestGate();
    });
    Endpoint v7 = endpointOf(before, "support-agent:v7");
    v7.started();
    v7.started();
    ((TestGate) v7.gate()).closeUntil(1_000);

    RoutingTable after = RoutingTable.build(supportAgent(50, 50), before, NO_ENV, url -> {
      throw new AssertionError("no endpoint is new, so none needs a gate: " + url);
    });

    Endpoint carried = endpointOf(after, "support-agent:v7");
    assertThat(carried).isSameAs(v7);
    assertThat(carried.outstanding()).isEqualTo(2);
    assertThat(carried.isAvailable(999)).isFalse();
    assertThat(gated).containsExactlyInAnyOrderElementsOf(before.endpoints().stream().map(Endpoint::url).toList());
  }

  @Test
  void dropsEndpointsNoLongerListedAndStartsNewOnesIdle() {
    RoutingTable before = build(supportAgent(90, 10));
    endpointOf(before, "support-agent:v8").started();

    RoutingTable after = RoutingTable.build(registry(model("support-agent",
        List.of(version("v7", "http://127.0.0.1:9001"), version("v8", "http://127.0.0.1:9004")),
        List.of(alias("production", "v7", weights("v7", 100))))), before, NO_ENV);

    assertThat(after.endpoints()).extracting(Endpoint::url).containsExactly("http://127.0.0.1:9001", "http://127.0.0.1:9004");
    assertThat(endpointOf(after, "support-agent:v8").outstanding()).isZero();
  }

  @Test
  void leavesThePreviousTableUntouchedWhenBuildingTheNext() {
    RoutingTable before = build(supportAgent(90, 10));
    RoutingTable.build(supportAgent(50, 50), before, NO_ENV);

    assertThat(hundredPicks(before.lookup("support-agent")))
        .containsExactly(Map.entry("v7/stable", 90), Map.entry("v8/canary", 10));
    assertThat(before.registry()).isEqualTo(supportAgent(90, 10));
  }

  private static Endpoint endpointOf(RoutingTable table, String pinned) {
    return ((PinnedTarget) table.lookup(pinned)).decision().version().endpoints().get(0);
  }

  private static Registry keyed(String v7Env, String v8Env) {
    return registry(model("support-agent",
        List.of(versionWithKey("v7", v7Env, "http://127.0.0.1:9001"), versionWithKey("v8", v8Env, "http://127.0.0.1:9002")),
        List.of(alias("production", "v7", weights("v7", 90, "v8", 10)))));
  }

  @Test
  void checksEveryModelThatIsNotTheVeryInstanceThePreviousTableRoutesBy() {
    Registry valid = twoModels();
    RoutingTable previous = build(valid);
    // An equal copy of a model is a new instance: checked again, and refused when it breaks a rule.
    Registry broken = valid.withModel(model("support-agent", List.of(version("v7", "http://127.0.0.1:9001")),
        List.of(alias("production", "v7", weights("v7", 90)))));

    assertThatThrownBy(() -> RoutingTable.build(broken, previous, NO_ENV))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessage("models.support-agent.aliases.production.weights: sum is 90 (expected: 100)");
    assertThat(RoutingTable.build(valid.withModel(valid.models().get("support-agent")), previous, NO_ENV).modelIds())
        .isEqualTo(previous.modelIds());
    // Named as checked, only the very instances are trusted.
    assertThatThrownBy(() -> RoutingTable.build(broken, valid, previous, NO_ENV, url -> EndpointGate.UNGUARDED, Map.of()))
        .isInstanceOf(InvalidRegistryException.class);
  }

  @Test
  void refusesToBuildWhenABackendKeyIsNotSetNamingThePath() {
    assertThatThrownBy(() -> RoutingTable.build(keyed("V7_KEY", null), RoutingTable.EMPTY, NO_ENV))
        .asInstanceOf(type(InvalidRegistryException.class))
        .extracting(InvalidRegistryException::problems)
        .isEqualTo(List.of("models.support-agent.versions.v7.api_key_env: environment variable V7_KEY is not set"));
  }

  @Test
  void refusesABackendKeyThatCouldSplitAHeader() {
    assertThatThrownBy(() -> RoutingTable.build(keyed("V7_KEY", null), RoutingTable.EMPTY, Map.of("V7_KEY", "sk-1\r\nx-evil: 1")::get))
        .asInstanceOf(type(InvalidRegistryException.class))
        .extracting(InvalidRegistryException::problems)
        .isEqualTo(List.of("models.support-agent.versions.v7.api_key_env: environment variable V7_KEY holds characters a header cannot carry (expected: visible ASCII)"));
  }

  @Test
  void treatsABlankBackendKeyAsUnset() {
    assertThatThrownBy(() -> RoutingTable.build(keyed("V7_KEY", null), RoutingTable.EMPTY, Map.of("V7_KEY", "  ")::get))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessage("models.support-agent.versions.v7.api_key_env: environment variable V7_KEY is not set");
  }

  @Test
  void namesEveryUnsetBackendKeyAtOnce() {
    assertThatThrownBy(() -> RoutingTable.build(keyed("V7_KEY", "V8_KEY"), RoutingTable.EMPTY, NO_ENV))
        .asInstanceOf(type(InvalidRegistryException.class))
        .extracting(InvalidRegistryException::problems)
        .isEqualTo(List.of(
            "models.support-agent.versions.v7.api_key_env: environment variable V7_KEY is not set",
            "models.support-agent.versions.v8.api_key_env: environment variable V8_KEY is not set"));
  }

  @Test
  void refusesToBuildAnInvalidRegistryListingTheBrokenRules() {
    Registry bad = registry(model("support-agent",
        List.of(version("v7", "http://127.0.0.1:9001")),
        List.of(alias("production", "v7", weights("v7", 95)))));

    assertThatThrownBy(() -> build(bad))
        .asInstanceOf(type(InvalidRegistryException.class))
        .extracting(InvalidRegistryException::problems)
        .isEqualTo(List.of("models.support-agent.aliases.production.weights: sum is 95 (expected: 100)"));
  }

  @Test
  void sendsTheBackendKeyAsABearerTokenAndNeverPrintsIt() {
    Map<String, String> env = Map.of("V7_KEY", "sk-live-7777", "UNUSED", "sk-other");
    RoutingTable table = RoutingTable.build(keyed("V7_KEY", null), RoutingTable.EMPTY, env::get);

    VersionRoute v7 = ((PinnedTarget) table.lookup("support-agent:v7")).decision().version();
    VersionRoute v8 = ((PinnedTarget) table.lookup("support-agent:v8")).decision().version();
    assertThat(v7.upstreamAuthorization()).isEqualTo("Bearer sk-live-7777");
    assertThat(v8.upstreamAuthorization()).isNull();
    assertThat(v7.toString()).doesNotContain("sk-live-7777");
    assertThat(((PinnedTarget) table.lookup("support-agent:v7")).toString()).doesNotContain("sk-live-7777");
    assertThat(v7.spec().toString()).doesNotContain("sk-live-7777");
  }

  @Test
  void asksTheEnvironmentOnlyForKeysItNeeds() {
    Set<String> asked = new HashSet<>();
    RoutingTable.build(keyed("V7_KEY", null), RoutingTable.EMPTY, name -> {
      asked.add(name);
      return "k";
    });

    assertThat(asked).containsExactly("V7_KEY");
  }
}
