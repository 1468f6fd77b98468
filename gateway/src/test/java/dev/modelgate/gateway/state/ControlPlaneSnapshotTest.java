package dev.modelgate.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer saves a snapshot every {@link ControlPlane#SNAPSHOT_EVERY} events, and a restart starts from it. */
class ControlPlaneSnapshotTest {
  @TempDir Path dir;
  private Vertx vertx;
  private WorkerExecutor writer;
  private FileLedger ledger;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    writer = vertx.createSharedWorkerExecutor("snapshot-test", 1);
  }

  @AfterEach
  void stop() throws Exception {
    if (ledger != null) {
      ledger.close();
    }
    writer.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Registry registry(int models, String descriptionOfModel3) {
    Map<String, Model> byName = new LinkedHashMap<>();
    for (int i = 0; i < models; i++) {
      String artifact = "s3://models/" + i;
      ModelVersion v1 = new ModelVersion("v1", artifact + "/v1", "m" + i, List.of("http://127.0.0.1:9001"), null, Map.of(), null);
      ModelVersion v2 = new ModelVersion("v2", artifact + "/v2", "m" + i, List.of("http://127.0.0.1:9002"), null, Map.of(), null);
      Alias production = new Alias("production", Map.of("v1", 90, "v2", 10), "v1", 1, null, null);
      byName.put("model-" + i, new Model("model-" + i, "production", i == 3 ? descriptionOfModel3 : null, null, List.of(), Map.of("v1", v1, "v2", v2),
          Map.of("production", production)));
    }
    return new Registry(byName);
  }

  private ControlPlane open(RoutingState routing, Registry declared) throws Exception {
    ledger = FileLedger.open(dir);
    return ControlPlane.open(ledger, routing, writer, declared, Clock.systemUTC(), List.of());
  }

  private static RoutingState routing() {
    return new RoutingState(name -> null, url -> EndpointGate.UNGUARDED, table -> { });
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aRestartFoldsTheSnapshotTheWriterSavedAndTheConfigFileStillMeetsItsLastDeclaration() throws Exception {
    Registry declared = registry(ControlPlane.SNAPSHOT_EVERY, "first");
    ControlPlane plane = open(routing(), declared);
    assertThat(ledger.lastSeq()).isEqualTo(ControlPlane.SNAPSHOT_EVERY);
    // The writer runs in order: the snapshot queued by that batch is saved before this edit is decided.
    Registry edited = registry(ControlPlane.SNAPSHOT_EVERY, "retrained");
    assertThat(await(plane.redeclare(edited, Map.of()))).isEqualTo(1);
    assertThat(dir.resolve("snapshot-" + ControlPlane.SNAPSHOT_EVERY + ".json")).exists();
    ledger.close();

    RoutingState restarted = routing();
    ControlPlane again = open(restarted, edited);
    Ledger.Replay replay = FileLedger.class.cast(again.ledger()).replay();
    assertThat(ledger.lastSeq()).as("the same file records nothing new").isEqualTo(ControlPlane.SNAPSHOT_EVERY + 1);
    assertThat(replay.snapshot().seq()).isEqualTo(ControlPlane.SNAPSHOT_EVERY);
    assertThat(replay.tail()).extracting(AuditEvent::model).containsExactly("model-3");
    assertThat(restarted.table().registry()).isEqualTo(replay.fold().registry());
    assertThat(restarted.table().registry().models().get("model-3").description()).isEqualTo("retrained");
    assertThat(ledger.since(0, 1, null, null)).extracting(AuditEvent::seq).containsExactly(1L);
  }
}
