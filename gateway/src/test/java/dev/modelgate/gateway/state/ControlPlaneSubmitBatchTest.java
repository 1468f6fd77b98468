package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static dev.modelgate.gateway.state.ControlPlaneRig.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Changes submitted while the writer is busy are decided in order and recorded together: one table, one append. */
class ControlPlaneSubmitBatchTest {
  private static final int MODELS = 20;

  @RegisterExtension final ControlPlaneRig rig = new ControlPlaneRig();

  private static ModelVersion version(int model, int v, String artifact) {
    return new ModelVersion("v" + v, artifact, "m" + model, List.of("http://127.0.0.1:" + (9000 + v)), null, Map.of(), null);
  }

  private static Registry declared() {
    Map<String, Model> models = new LinkedHashMap<>();
    for (int i = 0; i < MODELS; i++) {
      Map<String, ModelVersion> versions = new LinkedHashMap<>();
      versions.put("v1", version(i, 1, "s3://models/" + i + "/v1"));
      Alias production = new Alias("production", Map.of("v1", 100), "v1", 1, null, null);
      models.put("model-" + i, new Model("model-" + i, "production", null, null, List.of(), versions, Map.of("production", production)));
    }
    return new Registry(models);
  }

  private static AuditEventDraft register(int model, ModelVersion version) {
    return new AuditEventDraft(Instant.parse("2026-05-01T12:00:00Z"), "admin", Action.REGISTER_VERSION, "model-" + model, null,
        new Change.VersionRegistered(version), null, null);
  }


  @Test
  void changesSubmittedWhileTheWriterIsBusyAreRecordedAsOneBatchEachDecidedOnWhatTheOnesBeforeLeft() throws Exception {
    RoutingState routing = rig.routing();
    ControlPlane plane = rig.open(routing, declared());
    long declaredSeq = rig.ledger.lastSeq();
    int tablesBefore = rig.tablesInstalled.get();
    rig.told.clear();

    // The writer is held busy, so every change below waits for it and is decided in the one batch.
    CountDownLatch busy = new CountDownLatch(1);
    Future<Object> blocker = rig.writer.executeBlocking(() -> busy.await(10, TimeUnit.SECONDS));
    List<Future<AuditEvent>> registered = new ArrayList<>();
    for (int i = 0; i < MODELS; i++) {
      ModelVersion v2 = version(i, 2, "s3://models/" + i + "/v2");
      // Registers v2 unless the registry it is decided on has it already.
      int model = i;
      registered.add(plane.submit(registry -> registry.models().get("model-" + model).versions().containsKey("v2") ? null : register(model, v2)));
    }
    Future<AuditEvent> again = plane.submit(registry -> registry.models().get("model-0").versions().containsKey("v2")
        ? null : register(0, version(0, 2, "s3://models/0/v2")));
    Future<AuditEvent> conflicting = plane.submit(registry -> register(1, version(1, 1, "s3://elsewhere/v1")));
    busy.countDown();
    await(blocker);

    List<AuditEvent> events = new ArrayList<>();
    for (Future<AuditEvent> future : registered) {
      events.add(await(future));
    }
    assertThat(events).extracting(AuditEvent::seq).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(declaredSeq + 1, declaredSeq + MODELS).boxed().toList());
    assertThat(events).extracting(AuditEvent::model).containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, MODELS).mapToObj(i -> "model-" + i).toList());
    // Decided after model-0's v2 was recorded in the same batch, it finds nothing to do.
    assertThat(await(again)).isNull();
    ExecutionException refusal = org.assertj.core.api.Assertions.catchThrowableOfType(
        () -> conflicting.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS), ExecutionException.class);
    assertThat(refusal.getCause()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("models.model-1.versions.v1: already registered with other content");

    assertThat(rig.tablesInstalled.get() - tablesBefore).as("tables built for the batch").isEqualTo(1);
    assertThat(rig.ledger.lastSeq()).isEqualTo(declaredSeq + MODELS);
    assertThat(rig.told).isEqualTo(events);
    List<String> lines = Files.readAllLines(rig.ledger.file(), UTF_8);
    assertThat(lines.get(lines.size() - MODELS - 1)).isEqualTo("{\"batch\":" + MODELS + "}");
    for (int i = 0; i < MODELS; i++) {
      assertThat(routing.table().registry().models().get("model-" + i).versions()).containsKey("v2");
    }
  }

  @Test
  void aChangeWhoseTableIsRefusedInABatchIsRefusedAloneAndTheOthersAreRecorded() throws Exception {
    RoutingState routing = rig.routing();
    ControlPlane plane = rig.open(routing, declared());
    long declaredSeq = rig.ledger.lastSeq();

    CountDownLatch busy = new CountDownLatch(1);
    Future<Object> blocker = rig.writer.executeBlocking(() -> busy.await(10, TimeUnit.SECONDS));
    Future<AuditEvent> first = plane.submit(registry -> register(5, version(5, 2, "s3://models/5/v2")));
    // The fold takes it, but no table can serve it: its backend key is not set.
    ModelVersion keyed = new ModelVersion("v2", "s3://models/6/v2", "m6", List.of("http://127.0.0.1:9002"), "UNSET_BACKEND_KEY", Map.of(), null);
    Future<AuditEvent> unservable = plane.submit(registry -> register(6, keyed));
    Future<AuditEvent> last = plane.submit(registry -> register(7, version(7, 2, "s3://models/7/v2")));
    busy.countDown();
    await(blocker);

    assertThat(await(first).seq()).isEqualTo(declaredSeq + 1);
    assertThat(await(last).seq()).isEqualTo(declaredSeq + 2);
    ExecutionException refusal = org.assertj.core.api.Assertions.catchThrowableOfType(
        () -> unservable.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS), ExecutionException.class);
    assertThat(refusal.getCause()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("models.model-6.versions.v2.api_key_env: environment variable UNSET_BACKEND_KEY is not set");
    assertThat(rig.ledger.lastSeq()).isEqualTo(declaredSeq + 2);
    assertThat(routing.table().registry().models().get("model-6").versions()).doesNotContainKey("v2");
  }

  @Test
  void aChangeSubmittedAloneIsRecordedAloneAsBefore() throws Exception {
    RoutingState routing = rig.routing();
    ControlPlane plane = rig.open(routing, declared());
    long declaredSeq = rig.ledger.lastSeq();

    AuditEvent first = await(plane.submit(registry -> register(3, version(3, 2, "s3://models/3/v2"))));
    AuditEvent second = await(plane.submit(registry -> register(4, version(4, 2, "s3://models/4/v2"))));

    assertThat(first.seq()).isEqualTo(declaredSeq + 1);
    assertThat(second.seq()).isEqualTo(declaredSeq + 2);
    List<String> lines = Files.readAllLines(rig.ledger.file(), UTF_8);
    assertThat(lines.get(lines.size() - 1)).doesNotStartWith("{\"batch\"");
    assertThat(lines.get(lines.size() - 2)).doesNotStartWith("{\"batch\"");
  }
}
