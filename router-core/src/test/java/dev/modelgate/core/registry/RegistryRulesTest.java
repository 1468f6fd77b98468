package dev.modelgate.core.registry;

import static dev.modelgate.core.registry.Registries.alias;
import static dev.modelgate.core.registry.Registries.model;
import static dev.modelgate.core.registry.Registries.registry;
import static dev.modelgate.core.registry.Registries.slo;
import static dev.modelgate.core.registry.Registries.version;
import static dev.modelgate.core.registry.Registries.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.modelgate.core.slo.SloPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RegistryRulesTest {
  private static final String PROD = "models.support-agent.aliases.production";
  private static final String V7 = "models.support-agent.versions.v7";

  private static ModelVersion v7() {
    return version("v7", "http://127.0.0.1:9001");
  }

  private static ModelVersion v8() {
    return version("v8", "http://127.0.0.1:9002");
  }

  /** support-agent with v7 and v8 and the one given alias. */
  private static Registry withAlias(Alias alias) {
    return registry(model("support-agent", List.of(v7(), v8()), List.of(alias)));
  }

  /** support-agent with the one given version and no alias. */
  private static Registry withVersion(ModelVersion version) {
    return registry(model("support-agent", List.of(version), List.of()));
  }

  private static List<String> problems(Registry registry) {
    return RegistryRules.problems(registry);
  }

  @Test
  void findsNoProblemInTheSpecExample() {
    ModelVersion v7 = new ModelVersion("v7", "wandb-artifact://acme/llm/support-agent:v7", "support-agent",
        List.of("http://127.0.0.1:9001"), "SUPPORT_AGENT_KEY",
        Map.of("base_model", "meta-llama/Llama-3.1-8B", "dataset_version", "tickets-2026q3", "code_commit", "4f2a9c1"), null);
    ModelVersion v8 = new ModelVersion("v8", "wandb-artifact://acme/llm/support-agent:v8", "support-agent",
        List.of("http://127.0.0.1:9002", "https://gpu-2.internal/v1"), null, Map.of(),
        new HealthCheck("/health", Duration.ofSeconds(5), Duration.ofSeconds(1)));
    Alias production = new Alias("production", weights("v7", 90, "v8", 10), "v7", 12, slo(), StickyKey.parse("header:x-session-id"));
    Alias candidate = new Alias("candidate", weights("v8", 100), "v8", 0, null, null);
    Registry registry = registry(
        model("support-agent", List.of(v7, v8), List.of(production, candidate)),
        model("meta-llama/Llama-3.1-8B", "stable", List.of(version("v0", "http://h:1")), List.of(alias("stable", "v0", weights("v0", 100)))),
        model("empty-model", List.of(), List.of()));

    assertThat(problems(registry)).isEmpty();
    assertThat(RegistryRules.requireValid(registry)).isSameAs(registry);
    assertThat(problems(Registry.EMPTY)).isEmpty();
  }

  @Test
  void checksOnlyTheModelsThatAreNotTheVeryInstancesCheckedBefore() {
    Registry broken = withAlias(alias("production", "v7", weights("v7", 85, "v8", 10)));
    Registry equalCopy = withAlias(alias("production", "v7", weights("v7", 85, "v8", 10)));

    assertThat(RegistryRules.problems(broken, broken)).isEmpty();
    assertThat(RegistryRules.problems(broken, equalCopy)).containsExactly(PROD + ".weights: sum is 95 (expected: 100)");
    assertThat(RegistryRules.problems(broken, Registry.EMPTY)).isEqualTo(problems(broken));
  }

  @Test
  void reportsWeightsThatDoNotSumTo100() {
    assertThat(problems(withAlias(alias("production", "v7", weights("v7", 85, "v8", 10)))))
        .containsExactly("models.support-agent.aliases.production.weights: sum is 95 (expected: 100)");
    assertThat(problems(withAlias(alias("production", "v7", weights("v7", 100, "v8", 10)))))
        .containsExactly(PROD + ".weights: sum is 110 (expected: 100)");
    assertThat(problems(withAlias(alias("production", "v7", weights("v7", 0, "v8", 0)))))
        .containsExactly(PROD + ".weights: sum is 0 (expected: 100)");
  }

  @Test
  void reportsEmptyWeights() {
    assertThat(problems(withAlias(alias("production", "v7", weights()))))
        .containsExactly(PROD + ".weights: is empty (expected: version weights summing to 100, e.g. {v7: 90, v8: 10})");
  }

  @Test
  void reportsAWeightOutsideZeroTo100() {
    assertThat(problems(withAlias(alias("production", "v7", weights("v7", 110, "v8", -10)))))
        .containsExactly(
            PROD + ".weights.v7: 110 (expected: an integer from 0 to 100)",
            PROD + ".weights.v8: -10 (expected: an integer from 0 to 100)");
    assertThat(problems(withAlias(alias("production", "v7", weights("v7", 100, "v8", null)))))
        .containsExactly(PROD + ".weights.v8: null (expected: an integer from 0 to 100)");
  }

  @Test
  void reportsAWeightForAnUnknownVersion() {
    assertThat(problems(withAlias(alias("production", "v7", weights("v7", 90, "v9", 10)))))
        .containsExactly(PROD + ".weights.v9: names unknown version 'v9' (expected one of: v7, v8)");
  }

  @Test
  void reportsAnUnknownStableVersion() {
    assertThat(problems(withAlias(alias("production", "v6", weights("v7", 100)))))
        .containsExactly(PROD + ".stable: names unknown version 'v6' (expected one of: v7, v8)");
  }

  @Test
  void saysSoWhenTheModelHasNoVersionsAtAll() {
    Registry registry = registry(model("support-agent", List.of(), List.of(alias("production", "v7", weights("v7", 100)))));

    assertThat(problems(registry)).containsExactly(
        PROD + ".weights.v7: names unknown version 'v7' (the model has no versions)",
        PROD + ".stable: names unknown version 'v7' (the model has no versions)");
  }

  @Test
  void reportsANegativeRevision() {
    Alias alias = new Alias("production", weights("v7", 100), "v7", -1, null, null);

    assertThat(problems(withAlias(alias))).containsExactly(PROD + ".revision: -1 (expected: 0 or more)");
  }

  static Stream<Arguments> badEndpoints() {
    return Stream.of(
        arguments("ftp://127.0.0.1:9001", V7 + ".endpoints[0]: 'ftp://127.0.0.1:9001' (expected: an http:// or https:// base URL)"),
        arguments("localhost:9001", V7 + ".endpoints[0]: 'localhost:9001' (expected: an http:// or https:// base URL)"),
        arguments("http:///v1", V7 + ".endpoints[0]: 'http:///v1' has no host"),
        arguments("http://admin:hunter2@127.0.0.1:9001",
            V7 + ".endpoints[0]: 'http://admin:hunter2@127.0.0.1:9001' carries credentials (expected: none in the URL; use api_key_env)"),
        arguments("http://127.0.0.1:9001/v1?api_key=x",
            V7 + ".endpoints[0]: 'http://127.0.0.1:9001/v1?api_key=x' has a query or fragment (expected: a base URL only)"),
        arguments("http://127.0.0.1:90011", V7 + ".endpoints[0]: 'http://127.0.0.1:90011' has port 90011 (expected: 1 to 65535)"),
        arguments("http://127.0.0.1:9001 ", V7 + ".endpoints[0]: 'http://127.0.0.1:9001 ' is not a URL: Illegal character in authority"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badEndpoints")
  void reportsABadEndpointUrlWithItsIndex(String url, String problem) {
    assertThat(problems(withVersion(version("v7", url)))).containsExactly(problem);
  }

  @Test
  void pointsAtTheIndexOfTheBadEndpoint() {
    assertThat(problems(withVersion(version("v7", "http://127.0.0.1:9001", "http://127.0.0.1:9002", "gopher://x"))))
        .containsExactly(V7 + ".endpoints[2]: 'gopher://x' (expected: an http:// or https:// base URL)");
  }

  @Test
  void reportsAnEndpointListedTwice() {
    assertThat(problems(withVersion(version("v7", "http://127.0.0.1:9001", "http://127.0.0.1:9002", "http://127.0.0.1:9001"))))
        .containsExactly(V7 + ".endpoints[2]: http://127.0.0.1:9001 is listed twice");
  }

  @Test
  void reportsAVersionWithoutEndpoints() {
    assertThat(problems(withVersion(version("v7"))))
        .containsExactly(V7 + ".endpoints: is empty (expected: at least one base URL such as http://127.0.0.1:8000)");
  }

  static Stream<String> badVersionIds() {
    return Stream.of("7", "V7", "v", "v01", "v-1", "v1.0", "latest", "v1234567890", "");
  }

  @ParameterizedTest(name = "''{0}''")
  @MethodSource("badVersionIds")
  void reportsAVersionIdThatIsNotVNumber(String id) {
    assertThat(problems(withVersion(version(id, "http://127.0.0.1:9001"))))
        .containsExactly("models.support-agent.versions." + id + ": version id '" + id + "' is not of the form v<number> (e.g. v7)");
  }

  @Test
  void reportsAVersionFiledUnderAnotherId() {
    Model model = new Model("support-agent", "production", null, null, null, Map.of("v7", v8()), Map.of());

    assertThat(problems(registry(model))).containsExactly(V7 + ": declared as 'v7' but names itself 'v8'");
  }

  static Stream<Arguments> badAliasNames() {
    return Stream.of(
        arguments("v7", "alias 'v7' looks like a version id (expected: a name that is not v<number>)"),
        arguments("v01", "alias 'v01' looks like a version id (expected: a name that is not v<number>)"),
        arguments("-prod", "alias must start with a letter or digit"),
        arguments("prod/eu", "alias has the character '/' (expected: A-Z a-z 0-9 . _ -)"),
        arguments("prod eu", "alias has the character U+0020 (expected: A-Z a-z 0-9 . _ -)"),
        arguments("a".repeat(65), "alias is 65 characters long (expected: at most 64)"),
        arguments("", "alias is empty"));
  }

  @ParameterizedTest(name = "''{0}''")
  @MethodSource("badAliasNames")
  void reportsABadAliasName(String name, String problem) {
    assertThat(problems(withAlias(alias(name, "v7", weights("v7", 100)))))
        .containsExactly("models.support-agent.aliases." + name + ": " + problem);
  }

  @Test
  void reportsAnAliasFiledUnderAnotherName() {
    Model model = new Model("support-agent", "production", null, null, null, Map.of("v7", v7()),
        Map.of("production", alias("staging", "v7", weights("v7", 100))));

    assertThat(problems(registry(model))).containsExactly(PROD + ": declared as 'production' but names itself 'staging'");
  }

  @Test
  void reportsABadDefaultAlias() {
    assertThat(problems(registry(model("support-agent", "v1", List.of(v7()), List.of()))))
        .containsExactly("models.support-agent.default_alias: alias 'v1' looks like a version id (expected: a name that is not v<number>)");
    assertThat(problems(registry(model("support-agent", "", List.of(v7()), List.of()))))
        .containsExactly("models.support-agent.default_alias: alias is empty");
  }

  @Test
  void reportsABadModelName() {
    assertThat(problems(registry(model("org//model", List.of(), List.of()))))
        .containsExactly("models.org//model: model name has an empty path segment");
    assertThat(problems(registry(model("org/../model", List.of(), List.of()))))
        .containsExactly("models.org/../model: model name has a '..' path segment");
    assertThat(problems(registry(model("m".repeat(129), List.of(), List.of()))))
        .containsExactly("models." + "m".repeat(129) + ": model name is 129 characters long (expected: at most 128)");
  }

  @Test
  void reportsAModelFiledUnderAnotherName() {
    Model model = model("support-agent", List.of(v7()), List.of());

    assertThat(problems(new Registry(Map.of("support-bot", model))))
        .containsExactly("models.support-bot: declared as 'support-bot' but names itself 'support-agent'");
  }

  @Test
  void reportsBlankOverlongOrControlCharacterText() {
    ModelVersion blankArtifact = new ModelVersion("v7", " ", "support-agent", List.of("http://h:1"), null, null, null);
    ModelVersion longServedModel = new ModelVersion("v7", "s3://b/k", "m".repeat(2049), List.of("http://h:1"), null, null, null);
    ModelVersion controlServedModel = new ModelVersion("v7", "s3://b/k", "support\nagent", List.of("http://h:1"), null, null, null);

    assertThat(problems(withVersion(blankArtifact))).containsExactly(V7 + ".artifact: is empty");
    assertThat(problems(withVersion(longServedModel))).containsExactly(V7 + ".served_model: is 2049 characters long (expected: at most 2048)");
    assertThat(problems(withVersion(controlServedModel))).containsExactly(V7 + ".served_model: contains a control character");
    assertThat(problems(withVersion(new ModelVersion("v7", "s3://b/k", "m".repeat(2048), List.of("http://h:1"), null, null, null)))).isEmpty();
  }

  @Test
  void reportsAnApiKeyEnvThatIsNotAVariableName() {
    for (String bad : List.of("MY-KEY", "1KEY", "MY KEY", "", "$KEY")) {
      ModelVersion v = new ModelVersion("v7", "s3://b/k", "m", List.of("http://h:1"), bad, null, null);
      assertThat(problems(withVersion(v))).containsExactly(V7 + ".api_key_env: '" + bad
          + "' is not an environment variable name (expected: letters, digits and _, not starting with a digit)");
    }
    for (String good : List.of("KEY", "_KEY_1", "openai_api_key")) {
      ModelVersion v = new ModelVersion("v7", "s3://b/k", "m", List.of("http://h:1"), good, null, null);
      assertThat(problems(withVersion(v))).isEmpty();
    }
  }

  @Test
  void reportsABadHealthCheck() {
    HealthCheck bad = new HealthCheck("health", Duration.ZERO, Duration.ofSeconds(-1));
    ModelVersion v = new ModelVersion("v7", "s3://b/k", "m", List.of("http://h:1"), null, null, bad);

    assertThat(problems(withVersion(v))).containsExactly(
        V7 + ".health_check.path: 'health' (expected: a path starting with /)",
        V7 + ".health_check.interval: 0s (expected: a positive duration such as 5s)",
        V7 + ".health_check.timeout: -1s (expected: a positive duration such as 5s)");
  }

  private static SloPolicy policy(Duration window, Duration interval, int minRequests, double maxErrorRate, Duration p99,
      Double relative, int breaches, Duration cooldown) {
    return new SloPolicy(window, interval, minRequests, maxErrorRate, p99, relative, breaches, cooldown);
  }

  static Stream<Arguments> badSlos() {
    SloPolicy d = slo();
    Duration s5 = Duration.ofSeconds(5);
    return Stream.of(
        arguments(policy(Duration.ZERO, s5, 50, 0.05, s5, null, 2, s5), "window: 0s (expected: a positive duration such as 5s)"),
        arguments(policy(s5, Duration.ofMillis(-1), 50, 0.05, s5, null, 2, s5), "evaluation_interval: -1ms (expected: a positive duration such as 5s)"),
        arguments(policy(s5, s5, 0, 0.05, s5, null, 2, s5), "min_requests: 0 (expected: 1 or more)"),
        arguments(policy(s5, s5, 50, -0.01, s5, null, 2, s5), "max_error_rate: -0.01 (expected: a fraction from 0 to 1, e.g. 0.05)"),
        arguments(policy(s5, s5, 50, 1.5, s5, null, 2, s5), "max_error_rate: 1.5 (expected: a fraction from 0 to 1, e.g. 0.05)"),
        arguments(policy(s5, s5, 50, Double.NaN, s5, null, 2, s5), "max_error_rate: NaN (expected: a fraction from 0 to 1, e.g. 0.05)"),
        arguments(policy(s5, s5, 50, 0.05, Duration.ZERO, null, 2, s5), "max_p99_latency: 0s (expected: a positive duration such as 5s)"),
        arguments(policy(s5, s5, 50, 0.05, s5, 0.5, 2, s5), "relative_to_stable: 0.5 (expected: a factor of 1 or more, e.g. 2.0)"),
        arguments(policy(s5, s5, 50, 0.05, s5, Double.NaN, 2, s5), "relative_to_stable: NaN (expected: a factor of 1 or more, e.g. 2.0)"),
        arguments(policy(s5, s5, 50, 0.05, s5, null, 0, s5), "breaches_to_revert: 0 (expected: 1 or more)"),
        arguments(policy(s5, s5, 50, 0.05, s5, null, 2, Duration.ofMinutes(-10)), "cooldown: -10m (expected: 0 or more)"),
        arguments(new SloPolicy(d.window(), d.evaluationInterval(), -5, d.maxErrorRate(), d.maxP99Latency(), null, d.breachesToRevert(), d.cooldown()),
            "min_requests: -5 (expected: 1 or more)"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badSlos")
  void reportsAnSloValueOutOfRange(SloPolicy policy, String problem) {
    Alias alias = new Alias("production", weights("v7", 100), "v7", 1, policy, null);

    assertThat(problems(withAlias(alias))).containsExactly(PROD + ".slo." + problem);
  }

  @Test
  void acceptsSloValuesAtTheEdgesOfTheirRanges() {
    Duration tiny = Duration.ofNanos(1);
    for (SloPolicy edge : List.of(
        policy(tiny, tiny, 1, 0.0, tiny, 1.0, 1, Duration.ZERO),
        policy(tiny, tiny, 1, 1.0, tiny, null, 1, Duration.ZERO))) {
      Alias alias = new Alias("production", weights("v7", 100), "v7", 0, edge, null);
      assertThat(problems(withAlias(alias))).isEmpty();
    }
  }

  @Test
  void reportsEveryProblemAtOnceInOrder() {
    Alias production = alias("production", "v6", weights("v7", 90, "v9", 5));
    Registry registry = registry(model("support-agent",
        List.of(version("v7", "ftp://h"), version("v8")),
        List.of(production)));

    List<String> problems = problems(registry);
    assertThat(problems).containsExactly(
        V7 + ".endpoints[0]: 'ftp://h' (expected: an http:// or https:// base URL)",
        "models.support-agent.versions.v8.endpoints: is empty (expected: at least one base URL such as http://127.0.0.1:8000)",
        PROD + ".weights.v9: names unknown version 'v9' (expected one of: v7, v8)",
        PROD + ".weights: sum is 95 (expected: 100)",
        PROD + ".stable: names unknown version 'v6' (expected one of: v7, v8)");

    assertThatThrownBy(() -> RegistryRules.requireValid(registry))
        .isInstanceOf(InvalidRegistryException.class)
        .hasMessage(String.join("\n", problems))
        .satisfies(e -> assertThat(((InvalidRegistryException) e).problems()).isEqualTo(problems));
  }

  @Test
  void keepsItsOwnCopyOfTheProblems() {
    List<String> list = new ArrayList<>(List.of("a: b"));
    InvalidRegistryException e = new InvalidRegistryException(list);
    list.add("c: d");

    assertThat(e.problems()).containsExactly("a: b");
  }
}
