package dev.modelgate.gateway.registry.wandb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.registry.RegistryException;
import dev.modelgate.gateway.registry.RegistryHttp;
import dev.modelgate.gateway.registry.RegistryVersion;
import dev.modelgate.gateway.registry.ServingStatus;
import dev.modelgate.gateway.registry.wandb.FakeWandb.Call;
import dev.modelgate.gateway.registry.wandb.FakeWandb.Failure;
import dev.modelgate.gateway.webhook.DeliveryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WandbClientTest {
  private static final String KEY = "wandb-test-key-0123456789abcdef0123456789abcdef";
  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(("api:" + KEY).getBytes(StandardCharsets.UTF_8));
  private static final String TEAM = "ml-team/support/support-agent";
  private static final String REGISTRY = "acme-org-entity/wandb-registry-model/support-agent";
  private static final ObjectMapper JSON = new ObjectMapper();
  // Retries come 20 ms doubling to 100 ms apart. An attempt may take 15 s (a first call on a loaded machine has taken 5), or 1 s
  // where a test makes the fake slow.
  private static final DeliveryPolicy POLICY = new DeliveryPolicy(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(30), 1,
      Duration.ofSeconds(5), Duration.ofSeconds(15));
  private static final DeliveryPolicy IMPATIENT = new DeliveryPolicy(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMillis(2500), 1,
      Duration.ofSeconds(1), Duration.ofSeconds(1));

  private static Vertx vertx;
  private FakeWandb fake;
  private WandbClient client;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @BeforeEach
  void startFake() throws Exception {
    fake = FakeWandb.start(vertx, KEY);
    fake.viewerEntity("mlops-bot");
    fake.organization("Acme", "acme-org-entity");
    client = new WandbClient(vertx, new RegistryHttp(vertx, POLICY, "wandb"), fake.baseUrl(), KEY);
  }

  @AfterEach
  void stopFake() throws Exception {
    client.close();
    fake.close();
  }

  @Test
  void readsTheVersionAnAliasPointsAtWithOneCallAsTheSdkMakesIt() throws Exception {
    fake.link(TEAM, "{\"accuracy\": 0.91}", "production");
    FakeWandb.Version v1 = fake.link(TEAM, """
        {"modelgate": {"endpoints": ["http://vllm-a:8000", "http://vllm-b:8000"], "served_model": "support-agent-ft"},
         "dataset": "tickets-2026q4", "eval": {"accuracy": 0.93, "passed": true}, "notes": null}""", "staging");
    fake.tag(TEAM, 1, "reviewed");

    Optional<RegistryVersion> staging = await(client.aliasTarget(TEAM, "staging"));

    assertThat(staging).isPresent();
    RegistryVersion version = staging.get();
    assertThat(version.number()).isEqualTo(1);
    assertThat(version.artifact()).isEqualTo("wandb-artifact://_id/" + v1.artifactId());
    assertThat(version.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "modelgate.endpoints", "http://vllm-a:8000,http://vllm-b:8000",
        "modelgate.served_model", "support-agent-ft",
        "dataset", "tickets-2026q4",
        "eval.accuracy", "0.93",
        "eval.passed", "true"));
    assertThat(version.lineage())
        .containsEntry("registry", "wandb")
        .containsEntry("wandb_version", TEAM + ":v1")
        .containsEntry("source", "ml-team/training/support-agent-training:v" + v1.sourceIndex())
        .containsEntry("run_id", "run" + v1.sourceIndex())
        .containsEntry("run_path", "ml-team/training/run" + v1.sourceIndex())
        .containsEntry("tags", List.of("reviewed"))
        .containsKeys("digest", "created_at");
    assertThat(version.lineage().get("metadata")).isEqualTo(Map.of(
        "modelgate", Map.of("endpoints", List.of("http://vllm-a:8000", "http://vllm-b:8000"), "served_model", "support-agent-ft"),
        "dataset", "tickets-2026q4",
        "eval", Map.of("accuracy", 0.93, "passed", true)));

    assertThat(fake.calls()).hasSize(1);
    Call call = fake.calls().get(0);
    assertThat(call.operationName()).isEqualTo("ArtifactMembershipByName");
    assertThat(call.variables()).isEqualTo(json("{\"entity\":\"ml-team\",\"project\":\"support\",\"name\":\"support-agent:staging\"}"));
    assertThat(call.authorization()).isEqualTo(BASIC);
  }

  @Test
  void theVersionNumberIsTheCollectionsOwnNotTheLinkedSourceArtifacts() throws Exception {
    fake.link(TEAM, null, "staging");
    FakeWandb.Version v1 = fake.link(TEAM, "{}", "production");
    fake.link(TEAM, "null", "candidate");

    RegistryVersion version = await(client.aliasTarget(TEAM, "production")).orElseThrow();

    assertThat(v1.sourceIndex()).isNotEqualTo(1);
    assertThat(version.number()).isEqualTo(1);
    assertThat(version.metadata()).isEmpty();
    assertThat(version.lineage()).doesNotContainKey("metadata");
    // No metadata at all reads as none, as the SDK reads it.
    assertThat(await(client.aliasTarget(TEAM, "staging")).orElseThrow().metadata()).isEmpty();
    assertThat(await(client.aliasTarget(TEAM, "candidate")).orElseThrow().metadata()).isEmpty();
  }

  @Test
  void anAliasSetNowhereIsEmpty() throws Exception {
    fake.link(TEAM, "{}", "staging");

    assertThat(await(client.aliasTarget(TEAM, "production"))).isEmpty();
  }

  @Test
  void aProjectTheKeyCannotSeeFailsNamingIt() {
    fake.link(TEAM, "{}", "production");

    RegistryException failure = failure(client.aliasTarget("ml-team/nowhere/support-agent", "production"));

    assertThat(failure.getMessage()).isEqualTo(
        "wandb: GraphQL ArtifactMembershipByName failed: project nowhere not found under entity ml-team (or the API key may not read it)");
    assertThat(failure.retryable()).isFalse();
  }

  @Test
  void aRegistryPathIsReadUnderItsOrganizationsEntityFoundOnceAsTheSdkFindsIt() throws Exception {
    fake.link(REGISTRY, "{}", "production");

    RegistryVersion byEntityName = await(client.aliasTarget(REGISTRY, "production")).orElseThrow();
    RegistryVersion again = await(client.aliasTarget(REGISTRY, "production")).orElseThrow();

    assertThat(byEntityName.number()).isZero();
    assertThat(again).isEqualTo(byEntityName);
    assertThat(fake.operations()).containsExactly(
        "GetDefaultEntity", "FetchOrgInfoFromEntity", "ArtifactMembershipByName", "ArtifactMembershipByName");
    assertThat(fake.calls().get(0).variables()).isEqualTo(json("{}"));
    assertThat(fake.calls().get(1).variables()).isEqualTo(json("{\"entity\":\"mlops-bot\"}"));
    assertThat(fake.calls().get(2).variables()).isEqualTo(
        json("{\"entity\":\"acme-org-entity\",\"project\":\"wandb-registry-model\",\"name\":\"support-agent:production\"}"));
    assertThat(fake.calls()).allSatisfy(call -> assertThat(call.authorization()).isEqualTo(BASIC));
  }

  @Test
  void aRegistryPathMayNameTheOrganizationByItsDisplayName() throws Exception {
    fake.link(REGISTRY, "{}", "production");

    RegistryVersion version = await(client.aliasTarget("Acme/wandb-registry-model/support-agent", "production")).orElseThrow();

    assertThat(version.lineage()).containsEntry("wandb_version", REGISTRY + ":v0");
    assertThat(fake.calls().get(2).variables().get("entity").asText()).isEqualTo("acme-org-entity");
  }

  @Test
  void anOrganizationTheKeyDoesNotBelongToFailsNamingTheOnesItDoes() {
    RegistryException failure = failure(client.aliasTarget("globex/wandb-registry-model/support-agent", "production"));

    assertThat(failure.getMessage()).isEqualTo("wandb: GraphQL FetchOrgInfoFromEntity failed: no organization named globex among those of"
        + " the API key's entity mlops-bot: Acme (entity acme-org-entity)");
    assertThat(fake.operations()).containsExactly("GetDefaultEntity", "FetchOrgInfoFromEntity");
  }

  @Test
  void markingServingAddsOneTagAndDeletesTheOtherOnThatVersion() throws Exception {
    fake.link(TEAM, "{}");
    FakeWandb.Version v1 = fake.link(TEAM, "{}", "production");
    fake.tag(TEAM, 1, WandbClient.ROLLED_BACK_TAG);
    fake.tag(TEAM, 1, "reviewed");

    await(client.markStatus(TEAM, 1, ServingStatus.SERVING));

    assertThat(fake.tags(TEAM, 1)).containsExactlyInAnyOrder(WandbClient.SERVING_TAG, "reviewed");
    assertThat(fake.tags(TEAM, 0)).isEmpty();
    assertThat(fake.operations()).containsExactly("ArtifactMembershipByName", "UpdateArtifact");
    assertThat(fake.calls().get(0).variables()).isEqualTo(json("{\"entity\":\"ml-team\",\"project\":\"support\",\"name\":\"support-agent:v1\"}"));
    assertThat(fake.calls().get(1).variables()).isEqualTo(json("{\"input\":{\"artifactID\":\"" + v1.artifactId() + "\","
        + "\"tagsToAdd\":[{\"tagName\":\"modelgate-serving\"}],\"tagsToDelete\":[{\"tagName\":\"modelgate-rolled-back\"}]}}"));
  }

  @Test
  void markingRolledBackSwapsTheTagsAndLeavesLineageAsItWas() throws Exception {
    fake.link(TEAM, "{}", "production");
    fake.tag(TEAM, 0, "reviewed");
    RegistryVersion before = await(client.aliasTarget(TEAM, "production")).orElseThrow();
    await(client.markStatus(TEAM, 0, ServingStatus.SERVING));

    await(client.markStatus(TEAM, 0, ServingStatus.ROLLED_BACK));

    assertThat(fake.tags(TEAM, 0)).containsExactlyInAnyOrder(WandbClient.ROLLED_BACK_TAG, "reviewed");
    assertThat(await(client.aliasTarget(TEAM, "production")).orElseThrow()).isEqualTo(before);
  }

  @Test
  void markingAVersionTheCollectionLacksFailsAndWritesNothing() {
    fake.link(TEAM, "{}", "production");

    RegistryException failure = failure(client.markStatus(TEAM, 9, ServingStatus.SERVING));

    assertThat(failure.getMessage()).isEqualTo("wandb: GraphQL ArtifactMembershipByName failed: " + TEAM + " has no version v9");
    assertThat(fake.operations()).containsExactly("ArtifactMembershipByName");
  }

  @Test
  void movingAnAliasPutsItOnThatVersionAndOffTheOther() throws Exception {
    FakeWandb.Version v0 = fake.link(REGISTRY, "{}", "production");
    fake.link(REGISTRY, "{}", "production", "staging");
    fake.clearCalls();

    await(client.moveAlias(REGISTRY, "production", 0));

    assertThat(fake.aliases(REGISTRY, 0)).containsExactly("production");
    assertThat(fake.aliases(REGISTRY, 1)).containsExactly("staging");
    assertThat(fake.operations()).containsExactly("GetDefaultEntity", "FetchOrgInfoFromEntity", "ArtifactMembershipByName", "AddAliases");
    assertThat(fake.calls().get(3).variables()).isEqualTo(json("{\"input\":{\"artifactID\":\"" + v0.artifactId() + "\",\"aliases\":[{"
        + "\"entityName\":\"acme-org-entity\",\"projectName\":\"wandb-registry-model\",\"artifactCollectionName\":\"support-agent\","
        + "\"alias\":\"production\"}]}}"));
    assertThat(await(client.aliasTarget(REGISTRY, "production")).orElseThrow().number()).isZero();
  }

  @Test
  void aMigratedCollectionIsWrittenWhereTheServerSaysItNowIs() throws Exception {
    FakeWandb.Version v0 = fake.link(REGISTRY, "{}", "production");
    fake.link(REGISTRY, "{}", "production");
    fake.migrated("ml-team/model-registry/support-agent", REGISTRY);

    RegistryVersion production = await(client.aliasTarget("ml-team/model-registry/support-agent", "production")).orElseThrow();
    await(client.moveAlias("ml-team/model-registry/support-agent", "production", 0));

    assertThat(production.lineage()).containsEntry("wandb_version", REGISTRY + ":v1");
    assertThat(fake.operations()).containsExactly("ArtifactMembershipByName", "ArtifactMembershipByName", "AddAliases");
    assertThat(fake.calls().get(2).variables().get("input").get("aliases").get(0)).isEqualTo(json("{\"entityName\":\"acme-org-entity\","
        + "\"projectName\":\"wandb-registry-model\",\"artifactCollectionName\":\"support-agent\",\"alias\":\"production\"}"));
    assertThat(fake.aliases(REGISTRY, 0)).containsExactly("production");
    assertThat(fake.calls().get(2).variables().get("input").get("artifactID").asText()).isEqualTo(v0.artifactId());
  }

  @Test
  void aClosedClientCallsNoMore() {
    client.close();

    assertThat(catchThrowable(() -> await(client.aliasTarget(TEAM, "production")))).isNotNull();
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void aRefusedKeyFailsAtOnceSayingSoWithoutTheKey() throws Exception {
    fake.link(TEAM, "{}", "production");
    WandbClient wrongKey = new WandbClient(vertx, new RegistryHttp(vertx, POLICY, "wandb"), fake.baseUrl(), "not-the-key-0000000000000000");

    RegistryException failure = failure(wrongKey.aliasTarget(TEAM, "production"));

    assertThat(failure.getMessage()).startsWith("wandb: GraphQL ArtifactMembershipByName failed: the API key was refused (401)");
    assertThat(failure.getMessage()).doesNotContain("not-the-key");
    assertThat(failure.retryable()).isFalse();
    assertThat(fake.calls()).hasSize(1);
  }

  @Test
  void graphqlErrorsInAnOkAnswerFailTheCallNamingTheirMessage() {
    fake.link(TEAM, "{}", "production");
    fake.failAlways(Failure.GRAPHQL_ERRORS);

    RegistryException failure = failure(client.markStatus(TEAM, 0, ServingStatus.SERVING));

    assertThat(failure.getMessage()).isEqualTo(
        "wandb: GraphQL ArtifactMembershipByName failed: permission denied: the fake was told to fail");
    assertThat(failure.retryable()).isFalse();
    assertThat(fake.operations()).containsExactly("ArtifactMembershipByName");
  }

  @Test
  void aFailedMutationLeavesTheVersionAsItWas() throws Exception {
    fake.link(TEAM, "{}", "production");
    fake.link(TEAM, "{}", "staging");
    await(client.aliasTarget(TEAM, "production"));
    fake.clearCalls();
    fake.failAlways(Failure.GRAPHQL_ERRORS, "AddAliases");

    RegistryException failure = failure(client.moveAlias(TEAM, "production", 1));

    assertThat(failure.getMessage()).isEqualTo("wandb: GraphQL AddAliases failed: permission denied: the fake was told to fail");
    assertThat(fake.aliases(TEAM, 0)).containsExactly("production");
    assertThat(fake.operations()).containsExactly("ArtifactMembershipByName", "AddAliases");
  }

  @Test
  void garbageIsAnUnexpectedShapeNotRetried() {
    fake.failAlways(Failure.GARBAGE);

    RegistryException failure = failure(client.aliasTarget(TEAM, "production"));

    assertThat(failure.getMessage()).startsWith("wandb: GraphQL ArtifactMembershipByName answered an unexpected shape: ");
    assertThat(failure.retryable()).isFalse();
    assertThat(fake.calls()).hasSize(1);
  }

  @Test
  void metadataThatIsNotAJsonObjectIsAnUnexpectedShape() {
    fake.link(TEAM, "[1, 2]", "production");

    RegistryException failure = failure(client.aliasTarget(TEAM, "production"));

    assertThat(failure.getMessage()).isEqualTo(
        "wandb: GraphQL ArtifactMembershipByName answered an unexpected shape: metadata that is not a JSON object");
  }

  @Test
  void serverErrorsAreRetriedUntilAnAnswer() throws Exception {
    fake.link(TEAM, "{}", "production");
    fake.failNext(Failure.SERVER_ERROR, 2);

    assertThat(await(client.aliasTarget(TEAM, "production"))).isPresent();
    assertThat(fake.operations()).containsExactly("ArtifactMembershipByName", "ArtifactMembershipByName", "ArtifactMembershipByName");
  }

  @Test
  void aSlowAnswerTimesOutAndTheRetryGetsThrough() throws Exception {
    fake.link(TEAM, "{}", "production");
    fake.slowBy(Duration.ofSeconds(3));
    fake.failNext(Failure.SLOW, 1);

    assertThat(await(impatient().aliasTarget(TEAM, "production"))).isPresent();
    assertThat(fake.calls()).hasSize(2);
  }

  @Test
  void aRegistryAlwaysSlowFailsRetryablyWithinTheBudget() {
    fake.link(TEAM, "{}", "production");
    fake.slowBy(Duration.ofSeconds(20));
    fake.failAlways(Failure.SLOW);
    long start = System.nanoTime();

    RegistryException failure = failure(impatient().aliasTarget(TEAM, "production"));

    // The budget is 2.5 s; the last attempt may start just inside it and take its 1 s.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    assertThat(failure.getMessage()).startsWith("wandb: GraphQL ArtifactMembershipByName failed after ");
    assertThat(failure.retryable()).isTrue();
  }

  @Test
  void aRegistryThatIsDownFailsRetryablyWithoutTheKey() throws Exception {
    fake.close();

    RegistryException failure = failure(impatient().aliasTarget(TEAM, "production"));

    assertThat(failure.getMessage()).startsWith("wandb: GraphQL ArtifactMembershipByName failed after ");
    assertThat(failure.getMessage()).doesNotContain(KEY).doesNotContain(BASIC.substring(6));
    assertThat(failure.retryable()).isTrue();
    fake = FakeWandb.start(vertx, KEY);
  }

  @Test
  void badPathsAndAliasesAreRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> WandbClient.checkPath("ml-team/support")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("path: \"ml-team/support\" (expected: entity/project/collection, e.g. acme/wandb-registry-model/support-agent)");
    assertThat(catchThrowable(() -> await(client.aliasTarget("a//c", "production"))))
        .hasRootCauseInstanceOf(IllegalArgumentException.class).hasRootCauseMessage(
            "path: \"a//c\" (expected: entity/project/collection, e.g. acme/wandb-registry-model/support-agent)");
    assertThat(catchThrowable(() -> await(client.aliasTarget(TEAM, "prod:uction"))))
        .hasRootCauseMessage("alias: \"prod:uction\" (expected: 1 to 128 characters, none of them '/', ':' or a space)");
    assertThat(catchThrowable(() -> await(client.moveAlias(TEAM, "", 0))))
        .hasRootCauseMessage("alias: \"\" (expected: 1 to 128 characters, none of them '/', ':' or a space)");
    assertThat(catchThrowable(() -> await(client.markStatus(TEAM, -1, ServingStatus.SERVING))))
        .hasRootCauseMessage("version: -1 (expected: 0 or more)");
    assertThatThrownBy(() -> new WandbClient(vertx, new RegistryHttp(vertx, POLICY, "wandb"), "api.wandb.ai", KEY))
        .hasMessage("base_url: \"api.wandb.ai\" (expected: an http or https URL such as https://api.wandb.ai)");
    assertThat(fake.calls()).isEmpty();
  }

  private WandbClient impatient() {
    return new WandbClient(vertx, new RegistryHttp(vertx, IMPATIENT, "wandb"), fake.baseUrl(), KEY);
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static RegistryException failure(Future<?> future) {
    Throwable thrown = catchThrowable(() -> await(future));
    assertThat(thrown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(RegistryException.class);
    return (RegistryException) thrown.getCause();
  }
}
