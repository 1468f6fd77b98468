package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static dev.modelgate.gateway.state.ControlPlaneRig.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The config file's declarations as one batch: one event per changed model, all recorded or none. */
class ControlPlaneDeclareTest {
  private static final int MODELS = 300;

  @RegisterExtension final ControlPlaneRig rig = new ControlPlaneRig();

  private static Model model(int i, int versions) {
    Map<String, ModelVersion> byId = new LinkedHashMap<>();
    for (int v = 1; v <= versions; v++) {
      byId.put("v" + v, new ModelVersion("v" + v, "s3://models/" + i + "/v" + v, "m" + i, List.of("http://127.0.0.1:" + (9000 + v)), null,
          Map.of(), null));
    }
    Alias production = new Alias("production", Map.of("v1", 90, "v2", 10), "v1", 1, null, null);
    Alias staging = new Alias("staging", Map.of("v2", 100), "v2", 1, null, null);
    return new Model("model-" + i, "production", null, null, List.of(), byId, Map.of("production", production, "staging", staging));
  }

  private static Registry registry(int from, int to) {
    Map<String, Model> models = new LinkedHashMap<>();
    for (int i = from; i < to; i++) {
      models.put("model-" + i, model(i, 2));
    }
    return new Registry(models);
  }



  @Test
  void declaresEveryModelOfTheFileAsOneBatchOfOneEventEachAndOneTable() throws Exception {
    RoutingState routing = rig.routing();
    Registry declared = registry(0, MODELS);
    rig.open(routing, declared);

    assertThat(rig.ledger.lastSeq()).isEqualTo(MODELS);
    List<AuditEvent> events = rig.ledger.replay().tail();
    assertThat(events).allSatisfy(e -> assertThat(e.action()).isEqualTo(Action.CONFIG));
    assertThat(events).extracting(AuditEvent::model).doesNotHaveDuplicates().hasSize(MODELS);
    assertThat(rig.told).isEqualTo(events);
    assertThat(Files.readAllLines(rig.ledger.file(), UTF_8).get(0)).isEqualTo("{\"batch\":" + MODELS + "}");
    // The empty table of the replayed ledger, then the declared one: not one table per model.
    assertThat(rig.tablesInstalled).hasValue(2);
    assertThat(routing.table().registry().models()).containsOnlyKeys(declared.models().keySet());
    assertThat(routing.table().lookup("model-" + (MODELS - 1) + ":staging")).isNotNull();
  }

  @Test
  void anEditRecordsOneEventPerChangedModelAndNothingForTheRest() throws Exception {
    RoutingState routing = rig.routing();
    ControlPlane plane = rig.open(routing, registry(0, MODELS));
    Map<String, Model> edited = new LinkedHashMap<>(registry(0, MODELS).models());
    edited.put("model-3", model(3, 3));
    edited.remove("model-7");
    edited.put("model-" + MODELS, model(MODELS, 2));

    assertThat(await(plane.redeclare(new Registry(edited), Map.of()))).isEqualTo(3);

    List<AuditEvent> recorded = rig.ledger.since(MODELS, 100, null, null);
    assertThat(recorded).extracting(AuditEvent::model).containsExactlyInAnyOrder("model-3", "model-7", "model-" + MODELS);
    assertThat(recorded).extracting(AuditEvent::seq).containsExactly((long) MODELS + 1, (long) MODELS + 2, (long) MODELS + 3);
    assertThat(routing.table().registry().models()).doesNotContainKey("model-7").containsKey("model-" + MODELS);
    assertThat(routing.table().lookup("model-3:v3")).isNotNull();
    assertThat(await(plane.redeclare(new Registry(edited), Map.of()))).isZero();
    assertThat(rig.ledger.lastSeq()).isEqualTo(MODELS + 3);
  }

  @Test
  void anEditWithOneRefusedChangeRecordsNoneOfItsChanges() throws Exception {
    RoutingState routing = rig.routing();
    ControlPlane plane = rig.open(routing, registry(0, MODELS));
    RoutingTable before = routing.table();
    Map<String, Model> edited = new LinkedHashMap<>(registry(0, MODELS).models());
    edited.put("model-2", model(2, 3));
    Model rewritten = model(250, 2);
    ModelVersion v1 = rewritten.versions().get("v1");
    Map<String, ModelVersion> versions = new LinkedHashMap<>(rewritten.versions());
    versions.put("v1", new ModelVersion("v1", "s3://elsewhere", v1.servedModel(), v1.endpoints(), null, Map.of(), null));
    edited.put("model-250", new Model("model-250", "production", null, null, List.of(), versions, rewritten.aliases()));
    edited.put("model-" + MODELS, model(MODELS, 2));

    assertThatThrownBy(() -> await(plane.redeclare(new Registry(edited), Map.of())))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("models.model-250.versions.v1: already registered with other content (differs in: artifact");
    assertThat(rig.ledger.lastSeq()).isEqualTo(MODELS);
    assertThat(routing.table()).isSameAs(before);
    assertThat(rig.told).hasSize(MODELS);
  }

  @Test
  void aRestartWithTheSameFileRecordsNothingAndRoutesAsBefore() throws Exception {
    Registry declared = registry(0, MODELS);
    RoutingState first = rig.routing();
    rig.open(first, declared);
    rig.closeLedger();

    RoutingState again = rig.routing();
    rig.open(again, declared);

    assertThat(rig.ledger.lastSeq()).isEqualTo(MODELS);
    assertThat(again.table().registry()).isEqualTo(first.table().registry());
    assertThat(again.table().modelIds()).isEqualTo(first.table().modelIds());
  }

  @Test
  void aDeclarationCutShortByACrashIsDeclaredAgainWholeOnRestart() throws Exception {
    Registry declared = registry(0, MODELS);
    rig.open(rig.routing(), declared);
    Path file = rig.ledger.file();
    rig.closeLedger();
    // The crash came while the batch was being written: half of it is on disk.
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() / 2);
    }
    rig.told.clear();

    RoutingState routing = rig.routing();
    rig.open(routing, declared);

    assertThat(rig.ledger.tornLine()).isPresent();
    assertThat(rig.ledger.lastSeq()).isEqualTo(MODELS);
    assertThat(rig.told).extracting(AuditEvent::seq).first().isEqualTo(1L);
    assertThat(routing.table().registry().models()).containsOnlyKeys(declared.models().keySet());
  }
}
