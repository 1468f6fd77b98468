package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file's declarations as one batch: one event per changed model, all recorded or none. */
class ControlPlaneDeclareTest {
  private static final int MODELS = 300;

  @TempDir Path dir;
  private Vertx vertx;
  private WorkerExecutor writer;
  private FileLedger ledger;
  private final AtomicInteger tablesInstalled = new AtomicInteger();
  private final List<AuditEvent> told = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    writer = vertx.createSharedWorkerExecutor("control-test", 1);
  }

  @AfterEach
  void stop() throws Exception {
    if (ledger != null) {
      ledger.close();
    }
    writer.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

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

  private RoutingState routing() {
    return new RoutingState(name -> null, url -> EndpointGate.UNGUARDED, table -> tablesInstalled.incrementAndGet());
  }

  private ControlPlane open(RoutingState routing, Registry declared) throws Exception {
    ledger = FileLedger.open(dir);
    return ControlPlane.open(ledger, routing, writer, declared, Clock.systemUTC(), List.of(told::add));
  }

  private void reopenLedger() throws Exception {
    ledger.close();
    ledger = null;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void declaresEveryModelOfTheFileAsOneBatchOfOneEventEachAndOneTable() throws Exception {
    RoutingState routing = routing();
    Registry declared = registry(0, MODELS);
    open(routing, declared);

    assertThat(ledger.lastSeq()).isEqualTo(MODELS);
    List<AuditEvent> events = ledger.replay().tail();
    assertThat(events).allSatisfy(e -> assertThat(e.action()).isEqualTo(Action.CONFIG));
    assertThat(events).extracting(AuditEvent::model).doesNotHaveDuplicates().hasSize(MODELS);
    assertThat(told).isEqualTo(events);
    assertThat(Files.readAllLines(ledger.file(), UTF_8).get(0)).isEqualTo("{\"batch\":" + MODELS + "}");
    // The empty table of the replayed ledger, then the declared one: not one table per model.
    assertThat(tablesInstalled).hasValue(2);
    assertThat(routing.table().registry().models()).containsOnlyKeys(declared.models().keySet());
    assertThat(routing.table().lookup("model-" + (MODELS - 1) + ":staging")).isNotNull();
  }

  @Test
  void anEditRecordsOneEventPerChangedModelAndNothingForTheRest() throws Exception {
    RoutingState routing = routing();
    ControlPlane plane = open(routing, registry(0, MODELS));
    Map<String, Model> edited = new LinkedHashMap<>(registry(0, MODELS).models());
    edited.put("model-3", model(3, 3));
    edited.remove("model-7");
    edited.put("model-" + MODELS, model(MODELS, 2));

    assertThat(await(plane.redeclare(new Registry(edited), Map.of()))).isEqualTo(3);

    List<AuditEvent> recorded = ledger.since(MODELS, 100, null, null);
    assertThat(recorded).extracting(AuditEvent::model).containsExactlyInAnyOrder("model-3", "model-7", "model-" + MODELS);
    assertThat(recorded).extracting(AuditEvent::seq).containsExactly((long) MODELS + 1, (long) MODELS + 2, (long) MODELS + 3);
    assertThat(routing.table().registry().models()).doesNotContainKey("model-7").containsKey("model-" + MODELS);
    assertThat(routing.table().lookup("model-3:v3")).isNotNull();
    assertThat(await(plane.redeclare(new Registry(edited), Map.of()))).isZero();
    assertThat(ledger.lastSeq()).isEqualTo(MODELS + 3);
  }

  @Test
  void anEditWithOneRefusedChangeRecordsNoneOfItsChanges() throws Exception {
    RoutingState routing = routing();
    ControlPlane plane = open(routing, registry(0, MODELS));
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
    assertThat(ledger.lastSeq()).isEqualTo(MODELS);
    assertThat(routing.table()).isSameAs(before);
    assertThat(told).hasSize(MODELS);
  }

  @Test
  void aRestartWithTheSameFileRecordsNothingAndRoutesAsBefore() throws Exception {
    Registry declared = registry(0, MODELS);
    RoutingState first = routing();
    open(first, declared);
    reopenLedger();

    RoutingState again = routing();
    open(again, declared);

    assertThat(ledger.lastSeq()).isEqualTo(MODELS);
    assertThat(again.table().registry()).isEqualTo(first.table().registry());
    assertThat(again.table().modelIds()).isEqualTo(first.table().modelIds());
  }

  @Test
  void aDeclarationCutShortByACrashIsDeclaredAgainWholeOnRestart() throws Exception {
    Registry declared = registry(0, MODELS);
    open(routing(), declared);
    Path file = ledger.file();
    reopenLedger();
    // The crash came while the batch was being written: half of it is on disk.
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() / 2);
    }
    told.clear();

    RoutingState routing = routing();
    open(routing, declared);

    assertThat(ledger.tornLine()).isPresent();
    assertThat(ledger.lastSeq()).isEqualTo(MODELS);
    assertThat(told).extracting(AuditEvent::seq).first().isEqualTo(1L);
    assertThat(routing.table().registry().models()).containsOnlyKeys(declared.models().keySet());
  }
}
