package dev.modelgate.gateway.state;

import static dev.modelgate.gateway.state.ControlPlaneRig.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The writer saves a snapshot every {@link ControlPlane#SNAPSHOT_EVERY} events, and a restart starts from it. */
class ControlPlaneSnapshotTest {
  @RegisterExtension final ControlPlaneRig rig = new ControlPlaneRig();

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



  @Test
  void aRestartFoldsTheSnapshotTheWriterSavedAndTheConfigFileStillMeetsItsLastDeclaration() throws Exception {
    Registry declared = registry(ControlPlane.SNAPSHOT_EVERY, "first");
    ControlPlane plane = rig.open(rig.routing(), declared);
    assertThat(rig.ledger.lastSeq()).isEqualTo(ControlPlane.SNAPSHOT_EVERY);
    // The writer runs in order: the snapshot queued by that batch is saved before this edit is decided.
    Registry edited = registry(ControlPlane.SNAPSHOT_EVERY, "retrained");
    assertThat(await(plane.redeclare(edited, Map.of()))).isEqualTo(1);
    assertThat(rig.dir.resolve("snapshot-" + ControlPlane.SNAPSHOT_EVERY + ".json")).exists();
    rig.closeLedger();

    RoutingState restarted = rig.routing();
    ControlPlane again = rig.open(restarted, edited);
    Ledger.Replay replay = FileLedger.class.cast(again.ledger()).replay();
    assertThat(rig.ledger.lastSeq()).as("the same file records nothing new").isEqualTo(ControlPlane.SNAPSHOT_EVERY + 1);
    assertThat(replay.snapshot().seq()).isEqualTo(ControlPlane.SNAPSHOT_EVERY);
    assertThat(replay.tail()).extracting(AuditEvent::model).containsExactly("model-3");
    assertThat(restarted.table().registry()).isEqualTo(replay.fold().registry());
    assertThat(restarted.table().registry().models().get("model-3").description()).isEqualTo("retrained");
    assertThat(rig.ledger.since(0, 1, null, null)).extracting(AuditEvent::seq).containsExactly(1L);
  }
}
