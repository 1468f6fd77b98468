package dev.modelgate.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The file store's snapshots and its audit reads from the file, which memory no longer mirrors. */
class FileLedgerSnapshotTest {
  @TempDir Path dir;

  private static AuditEventDraft register(int i) {
    ModelVersion version = new ModelVersion("v1", "s3://models/" + i, "m" + i, List.of("http://127.0.0.1:9001"), null, Map.of(), null);
    return new AuditEventDraft(LedgerEvents.T0.plusSeconds(i), "admin", Action.REGISTER_VERSION, "model-" + i, null,
        new Change.VersionRegistered(version), null, null);
  }

  // Singles and batches of several sizes, so the index crosses batch headers at every stride.
  private static List<AuditEvent> appendMixed(FileLedger ledger, int count) throws IOException {
    List<AuditEvent> appended = new ArrayList<>();
    int i = 0;
    while (i < count) {
      int size = Math.min(count - i, List.of(1, 7, 1, 300, 2, 1, 129).get(appended.size() % 7));
      List<AuditEventDraft> drafts = new ArrayList<>();
      for (int k = 0; k < size; k++) {
        drafts.add(register(i++));
      }
      appended.addAll(ledger.appendAll(drafts));
    }
    return appended;
  }

  @Test
  void sinceReadsAnyStretchOfAThousandEventsFromTheFileBeforeAndAfterASnapshot() throws IOException {
    List<AuditEvent> all;
    try (FileLedger ledger = FileLedger.open(dir)) {
      all = appendMixed(ledger, 1000);
      assertSinceAnswers(ledger, all);
      ledger.saveSnapshot(LedgerState.EMPTY.applyAll(all));
      all = new ArrayList<>(all);
      all.addAll(appendMixed(ledger, 0));
      all.add(ledger.append(register(5000)));
      assertSinceAnswers(ledger, all);
    }
    try (FileLedger reopened = FileLedger.open(dir)) {
      Ledger.Replay replay = reopened.replay();
      assertThat(replay.snapshot().seq()).isEqualTo(1000);
      assertThat(replay.tail()).extracting(AuditEvent::seq).containsExactly(1001L);
      assertSinceAnswers(reopened, all);
      assertThat(reopened.since(0, 5, "model-999", null)).extracting(AuditEvent::seq).containsExactly(1000L);
    }
  }

  // The registry-scale goal's shape (benchmarks/registry-scale.sh): 3 versions, production 90/10 and one more alias.
  private static AuditEventDraft declare(int i) {
    Map<String, ModelVersion> versions = new LinkedHashMap<>();
    for (int v = 1; v <= 3; v++) {
      versions.put("v" + v, new ModelVersion("v" + v, "s3://models/" + i + "/v" + v, "m" + i + "-v" + v,
          List.of("http://127.0.0.1:" + (20000 + 3 * i % 20000 + v) + "/v1"), null, Map.of("dataset_version", "ds-" + i + "-" + v), null));
    }
    Map<String, Alias> aliases = new LinkedHashMap<>();
    aliases.put("production", new Alias("production", Map.of("v2", 90, "v3", 10), "v2", 0, null, null));
    aliases.put("stage-1", new Alias("stage-1", Map.of("v1", 100), "v1", 0, null, null));
    Model model = new Model("team-" + i % 97 + "/model-" + i, "production", null, null, null, versions, aliases);
    return new AuditEventDraft(LedgerEvents.T0, "config", Action.CONFIG, model.name(), null, new Change.ModelDeclared(null, model),
        "config file", null);
  }

  // 2,000 models by default, a few seconds; -Psoak takes the goal's 10,000.
  private static final int MODELS = Integer.getInteger("modelgate.registry.models", 2_000);

  @Test
  @Timeout(120)
  void aSnapshotOfALargeRegistryReadsBackAsTheStateItSaved() throws IOException {
    List<AuditEventDraft> drafts = new ArrayList<>();
    for (int i = 0; i < MODELS; i++) {
      drafts.add(declare(i));
    }
    LedgerState saved;
    try (FileLedger ledger = FileLedger.open(dir)) {
      saved = LedgerState.EMPTY.applyAll(ledger.appendAll(drafts));
      ledger.saveSnapshot(saved);
    }
    try (FileLedger reopened = FileLedger.open(dir)) {
      Ledger.Replay replay = reopened.replay();
      assertThat(replay.snapshot().seq()).isEqualTo(MODELS);
      assertThat(replay.tail()).isEmpty();
      assertThat(replay.fold()).isEqualTo(saved);
    }
  }

  private static void assertSinceAnswers(FileLedger ledger, List<AuditEvent> all) throws IOException {
    for (int after : new int[] {0, 1, 255, 256, 257, 300, 511, 512, 700, 997, all.size() - 1, all.size()}) {
      assertThat(ledger.since(after, 3, null, null)).as("since %d", after).isEqualTo(all.subList(after, Math.min(after + 3, all.size())));
    }
  }

  @Test
  void aSnapshotThatDoesNotLandOnItsNextEventIsIgnoredForTheWholeLedger() throws IOException {
    Path snapshot = dir.resolve("snapshot-20.json");
    try (FileLedger ledger = FileLedger.open(dir)) {
      List<AuditEvent> first = appendMixed(ledger, 20);
      ledger.saveSnapshot(LedgerState.EMPTY.applyAll(first));
    }
    byte[] saved = Files.readAllBytes(snapshot);
    // Another ledger in its place: its first append clears the snapshots of the history that is gone.
    Files.delete(dir.resolve(FileLedger.FILE_NAME));
    List<AuditEvent> other = new ArrayList<>();
    try (FileLedger ledger = FileLedger.open(dir)) {
      for (AuditEventDraft draft : LedgerEvents.lifecycle()) {
        other.add(ledger.append(draft));
      }
    }
    assertThat(snapshot).doesNotExist();
    // Put back anyway (a restored backup, say): its offset now falls inside a line.
    Files.write(snapshot, saved);
    try (FileLedger reopened = FileLedger.open(dir)) {
      Ledger.Replay replay = reopened.replay();
      assertThat(replay.snapshot()).isEqualTo(LedgerState.EMPTY);
      assertThat(replay.tail()).isEqualTo(other);
      assertThat(reopened.lastSeq()).isEqualTo(other.size());
    }
  }
}
