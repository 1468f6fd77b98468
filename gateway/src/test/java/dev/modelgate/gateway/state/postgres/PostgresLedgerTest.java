package dev.modelgate.gateway.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.registry.Model;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.schema.SnapshotJson;
import dev.modelgate.gateway.state.AppendConflictException;
import dev.modelgate.gateway.state.Ledger;
import dev.modelgate.gateway.state.LedgerEvents;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What only a shared store does: two writers on one database, and a schema shared with other releases. */
class PostgresLedgerTest {
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  private static PostgresLedger open(String url) throws IOException {
    return PostgresLedger.open(vertx, StateConfig.postgres(url, null, 2), Map.<String, String>of()::get, "ledger-test");
  }

  private static String databaseOf(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  @Test
  void aWriterBehindAnotherIsRefusedWritesNothingAndAppendsAfterCatchingUp() throws IOException {
    String url = EmbeddedDatabase.newDatabase();
    try (PostgresLedger a = open(url); PostgresLedger b = open(url)) {
      AuditEvent first = a.append(LedgerEvents.config(1, null, LedgerEvents.declared()));

      assertThatThrownBy(() -> b.append(LedgerEvents.register(2, LedgerEvents.v9())))
          .isInstanceOf(AppendConflictException.class).hasMessageContaining("seq 1");
      assertThat(a.since(0, 10, null, null)).containsExactly(first);
      assertThat(b.lastSeq()).isZero();

      assertThat(b.catchUp()).containsExactly(first);
      assertThat(b.lastSeq()).isEqualTo(1);
      assertThat(b.catchUp()).isEmpty();
      AuditEvent second = b.append(LedgerEvents.register(2, LedgerEvents.v9()));
      assertThat(second.seq()).isEqualTo(2);

      assertThat(a.replay().tail()).containsExactly(first);
      assertThat(a.catchUp()).containsExactly(second);
      assertThat(a.replay().tail()).containsExactly(first, second);
    }
  }

  @Test
  void aBatchBehindAnotherWriterWritesNoneOfItsEvents() throws IOException {
    String url = EmbeddedDatabase.newDatabase();
    try (PostgresLedger a = open(url); PostgresLedger b = open(url)) {
      AuditEvent first = a.append(LedgerEvents.config(1, null, LedgerEvents.declared()));

      assertThatThrownBy(() -> b.appendAll(List.of(LedgerEvents.config(1, null, LedgerEvents.declared()), LedgerEvents.register(2, LedgerEvents.v9()))))
          .isInstanceOf(AppendConflictException.class).hasMessageContaining("seq 1");

      assertThat(a.catchUp()).isEmpty();
      assertThat(a.since(0, 10, null, null)).containsExactly(first);
    }
  }

  @Test
  void aBatchOfMoreEventsThanOneInsertTakesIsWrittenWholeOrNotAtAll() throws IOException {
    List<AuditEventDraft> drafts = new ArrayList<>();
    while (drafts.size() < 1_300) {
      drafts.addAll(LedgerEvents.lifecycle());
    }
    String whole = EmbeddedDatabase.newDatabase();
    List<AuditEvent> appended;
    try (PostgresLedger ledger = open(whole)) {
      appended = ledger.appendAll(drafts);
    }
    try (PostgresLedger reopened = open(whole)) {
      assertThat(reopened.replay().tail()).isEqualTo(appended);
    }

    // Another writer took seq 700, in the second of the batch's inserts: the first insert is undone too.
    String contended = EmbeddedDatabase.newDatabase();
    AuditEvent taken = drafts.get(0).withSeq(700);
    try (PostgresLedger ledger = open(contended)) {
      EmbeddedDatabase.execute(databaseOf(contended), "INSERT INTO modelgate_events (seq, model, alias, action, event) VALUES (700, '"
          + taken.model() + "', NULL, '" + taken.action().wireName() + "', '" + EventJson.write(taken).replace("'", "''") + "')");
      assertThatThrownBy(() -> ledger.appendAll(drafts)).isInstanceOf(AppendConflictException.class);
      assertThat(ledger.since(0, 2_000, null, null)).containsExactly(taken);
    }
  }

  @Test
  void aSnapshotOfMoreTextThanOneReadTakesReadsBackWhole() throws IOException {
    Model plain = LedgerEvents.declared();
    List<AuditEventDraft> drafts = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      // Characters beyond the BMP: one to PostgreSQL, two to Java, so reading by slices must count them alike.
      Model model = new Model("model-" + i, plain.defaultAlias(), "🚀 model " + i + " — café", plain.owner(), plain.tags(), plain.versions(),
          plain.aliases());
      drafts.add(new AuditEventDraft(LedgerEvents.T0, "config", Action.CONFIG, model.name(), null, new Change.ModelDeclared(null, model),
          "config file", null));
    }
    String url = EmbeddedDatabase.newDatabase();
    LedgerState state;
    try (PostgresLedger ledger = open(url)) {
      state = LedgerState.EMPTY.applyAll(ledger.appendAll(drafts));
      ledger.saveSnapshot(state);
    }
    String text = SnapshotJson.write(state, null, null);
    assertThat(text.codePointCount(0, text.length())).as("characters, read 1 Mi at a time").isGreaterThan(1 << 20);
    // Jackson writes an emoji as two escapes; a snapshot saved through a String (an earlier release) holds the character itself.
    EmbeddedDatabase.execute(databaseOf(url), "UPDATE modelgate_snapshots SET snapshot = regexp_replace(snapshot, '\\\\ud83d\\\\ude80', U&'\\+01F680', 'gi')");
    try (PostgresLedger reopened = open(url)) {
      Ledger.Replay replay = reopened.replay();
      assertThat(replay.snapshot()).isEqualTo(state);
      assertThat(replay.tail()).isEmpty();
    }
  }

  @Test
  void replicasOpeningOneEmptyDatabaseTogetherCreateTheTablesOnce() throws Exception {
    String url = EmbeddedDatabase.newDatabase();
    int replicas = 4;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Long>> opened = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(replicas);
    try {
      for (int i = 0; i < replicas; i++) {
        opened.add(threads.submit(() -> {
          go.await();
          try (PostgresLedger ledger = open(url)) {
            return ledger.lastSeq();
          }
        }));
      }
      go.countDown();
      for (Future<Long> each : opened) {
        assertThat(each.get(30, TimeUnit.SECONDS)).isZero();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aDatabaseMigratedByANewerReleaseIsRefusedNamingBothVersions() throws IOException {
    String url = EmbeddedDatabase.newDatabase();
    try (PostgresLedger ledger = open(url)) {
      ledger.append(LedgerEvents.config(1, null, LedgerEvents.declared()));
    }
    EmbeddedDatabase.execute(databaseOf(url), "UPDATE modelgate_schema SET version = " + (PostgresLedger.SCHEMA_VERSION + 1));

    assertThatThrownBy(() -> open(url))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("schema version " + (PostgresLedger.SCHEMA_VERSION + 1))
        .hasMessageContaining("newer than this modelgate knows (" + PostgresLedger.SCHEMA_VERSION + ")");
  }

  @Test
  void aGapInTheEventsStopsReplayNamingTheSeqs() throws IOException {
    String url = EmbeddedDatabase.newDatabase();
    try (PostgresLedger ledger = open(url)) {
      for (var draft : LedgerEvents.lifecycle()) {
        ledger.append(draft);
      }
    }
    EmbeddedDatabase.execute(databaseOf(url), "DELETE FROM modelgate_events WHERE seq = 4");

    try (PostgresLedger reopened = open(url)) {
      assertThatThrownBy(reopened::replay).isInstanceOf(IOException.class)
          .hasMessageContaining("has seq 5 after seq 3 (expected: 4; a gap means events were deleted)");
    }
  }

  @Test
  void anUnreachableDatabaseFailsOpeningWithinTheTimeoutNamingIt() {
    String url = "postgresql://postgres@127.0.0.1:1/none";
    assertThatThrownBy(() -> open(url)).isInstanceOf(IOException.class)
        .hasMessageContaining("state: PostgreSQL failed while creating or migrating the tables in 127.0.0.1:1/none");
  }
}
