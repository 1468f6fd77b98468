package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.RegistryFold;
import dev.modelgate.core.registry.Registry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLedgerTest {
  @TempDir Path dir;

  private List<AuditEvent> appendAll(FileLedger ledger, List<AuditEventDraft> drafts) throws IOException {
    List<AuditEvent> appended = new ArrayList<>();
    for (AuditEventDraft draft : drafts) {
      appended.add(ledger.append(draft));
    }
    return appended;
  }

  private Path file() {
    return dir.resolve(FileLedger.FILE_NAME);
  }

  @Test
  void roundTripsEveryKindOfEventAndTheStateTheyFoldTo() throws IOException {
    List<AuditEvent> appended;
    Registry stepByStep = Registry.EMPTY;
    try (FileLedger ledger = FileLedger.open(dir)) {
      appended = new ArrayList<>();
      for (AuditEventDraft draft : LedgerEvents.lifecycle()) {
        AuditEvent event = ledger.append(draft);
        stepByStep = RegistryFold.apply(stepByStep, event);
        appended.add(event);
        if (event.seq() == 7) {
          assertThat(RegistryFold.replay(ledger.replay().tail())).isEqualTo(stepByStep);
        }
      }
    }

    try (FileLedger reopened = FileLedger.open(dir)) {
      List<AuditEvent> replayed = reopened.replay().tail();
      assertThat(replayed).isEqualTo(appended);
      assertThat(replayed).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(replayed).extracting(AuditEvent::action).contains(LedgerEvents.LIFECYCLE_ACTIONS);
      assertThat(RegistryFold.replay(replayed)).isEqualTo(stepByStep);
      assertThat(reopened.tornLine()).isEmpty();
    }
  }

  @Test
  void aSecondLedgerOnTheSameDirectoryIsRefusedUntilTheFirstCloses() throws IOException {
    FileLedger writer = FileLedger.open(dir);
    AuditEvent event;
    try {
      event = writer.append(LedgerEvents.config(1, null, LedgerEvents.declared()));

      assertThatThrownBy(() -> FileLedger.open(dir))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(dir.resolve(FileLedger.FILE_NAME).toString())
          .hasMessageContaining("in use by another modelgate gateway");
    } finally {
      writer.close();
    }
    try (FileLedger reopened = FileLedger.open(dir)) {
      assertThat(reopened.replay().tail()).containsExactly(event);
    }
  }

  @Test
  void createsTheStateDirectoryAndStartsEmpty() throws IOException {
    Path nested = dir.resolve("a/b/state");
    try (FileLedger ledger = FileLedger.open(nested)) {
      assertThat(ledger.replay().tail()).isEmpty();
      assertThat(ledger.lastSeq()).isZero();
      assertThat(ledger.file()).isEqualTo(nested.resolve("ledger.jsonl")).exists();
    }
  }

  @Test
  void writesOneJsonObjectPerLine() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      appendAll(ledger, LedgerEvents.lifecycle());
    }
    String text = Files.readString(file());
    assertThat(text).endsWith("}\n");
    List<String> lines = Files.readAllLines(file());
    assertThat(lines).hasSize(8).allSatisfy(line -> assertThat(line).startsWith("{\"seq\":").endsWith("}"));
    assertThat(lines.get(0)).contains("\"time\":\"2026-05-01T12:00:01Z\"", "\"served_model\":\"support-agent\"", "\"api_key_env\":\"SUPPORT_AGENT_KEY\"",
        "\"health_check\":{\"path\":\"/health\",\"interval\":\"5s\",\"timeout\":\"1500ms\"}", "\"sticky\":\"header:x-session-id\"",
        "\"slo\":{\"window\":\"1m\",\"evaluation_interval\":\"5s\",\"min_requests\":50,\"max_error_rate\":0.05,\"max_p99_latency\":\"2s\","
            + "\"relative_to_stable\":2.0,\"breaches_to_revert\":2,\"cooldown\":\"10m\"}");
  }

  @Test
  void dropsATornLastLineWithoutNewlineAndAppendsAfterTheLastCompleteEvent() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      appendAll(ledger, LedgerEvents.lifecycle().subList(0, 2));
    }
    long complete = Files.size(file());
    Files.writeString(file(), "{\"seq\":3,\"time\":\"2026-05-01T12:0", StandardOpenOption.APPEND);

    try (FileLedger ledger = FileLedger.open(dir)) {
      assertThat(ledger.tornLine()).hasValueSatisfying(torn -> {
        assertThat(torn.line()).isEqualTo(3);
        assertThat(torn.offset()).isEqualTo(complete);
        assertThat(torn.length()).isEqualTo(32);
        assertThat(torn.problem()).startsWith("no newline at its end");
      });
      assertThat(ledger.replay().tail()).hasSize(2);
      assertThat(Files.size(file())).isEqualTo(complete);

      AuditEvent next = ledger.append(LedgerEvents.lifecycle().get(2));
      assertThat(next.seq()).isEqualTo(3);
    }
    try (FileLedger reopened = FileLedger.open(dir)) {
      assertThat(reopened.tornLine()).isEmpty();
      assertThat(reopened.replay().tail()).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L);
      RegistryFold.replay(reopened.replay().tail());
    }
  }

  @Test
  void dropsAnUnreadableLastLineEvenWithItsNewline() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      appendAll(ledger, LedgerEvents.lifecycle().subList(0, 2));
    }
    Files.write(file(), new byte[] {0, 0, 0, 0, '\n'}, StandardOpenOption.APPEND);

    try (FileLedger ledger = FileLedger.open(dir)) {
      assertThat(ledger.tornLine()).hasValueSatisfying(torn -> {
        assertThat(torn.line()).isEqualTo(3);
        assertThat(torn.length()).isEqualTo(5);
        assertThat(torn.problem()).startsWith("not valid JSON");
      });
      assertThat(ledger.append(LedgerEvents.lifecycle().get(2)).seq()).isEqualTo(3);
    }
  }

  @Test
  void stopsOnAnUnreadableLineBeforeTheLastNamingFileAndLine() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      appendAll(ledger, LedgerEvents.lifecycle().subList(0, 3));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file()));
    lines.set(1, lines.get(1).substring(0, 40));
    Files.write(file(), lines, UTF_8);

    assertThatThrownBy(() -> FileLedger.open(dir))
        .isInstanceOfSatisfying(LedgerCorruptException.class, e -> {
          assertThat(e.line()).isEqualTo(2);
          assertThat(e.file()).isEqualTo(file());
        })
        .hasMessageContaining(file() + " line 2: not valid JSON")
        .hasMessageContaining("will not start");
  }

  @Test
  void stopsOnAWellFormedLineThatIsNotAnEventNamingTheKey() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      appendAll(ledger, LedgerEvents.lifecycle().subList(0, 3));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file()));
    lines.set(0, lines.get(0).replace("\"served_model\"", "\"servedModel\""));
    Files.write(file(), lines, UTF_8);

    assertThatThrownBy(() -> FileLedger.open(dir)).hasMessageContaining("line 1: after.versions.v7.served_model: missing");
  }

  @Test
  void stopsOnAGapInSeq() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      appendAll(ledger, LedgerEvents.lifecycle().subList(0, 3));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file()));
    lines.remove(1);
    Files.write(file(), lines, UTF_8);

    assertThatThrownBy(() -> FileLedger.open(dir))
        .isInstanceOf(LedgerCorruptException.class)
        .hasMessageContaining("line 2: seq 3 follows seq 1 (expected: 2; a gap or a repeat means events were lost or duplicated)");
  }

  @Test
  void stopsOnARepeatedSeqEvenOnTheLastLine() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      appendAll(ledger, LedgerEvents.lifecycle().subList(0, 2));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file()));
    lines.add(lines.get(1));
    Files.write(file(), lines, UTF_8);

    assertThatThrownBy(() -> FileLedger.open(dir)).hasMessageContaining("line 3: seq 2 follows seq 2 (expected: 3");
  }

  @Test
  void sinceFiltersBySeqModelAliasAndLimit() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      appendAll(ledger, LedgerEvents.lifecycle());

      assertThat(ledger.since(0, 100, null, null)).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(ledger.since(5, 100, null, null)).extracting(AuditEvent::seq).containsExactly(6L, 7L, 8L);
      assertThat(ledger.since(0, 2, null, null)).extracting(AuditEvent::seq).containsExactly(1L, 2L);
      assertThat(ledger.since(0, 100, "support-agent", "production")).extracting(AuditEvent::seq).containsExactly(3L, 4L, 6L, 7L);
      assertThat(ledger.since(3, 2, null, "production")).extracting(AuditEvent::seq).containsExactly(4L, 6L);
      assertThat(ledger.since(0, 100, null, "candidate")).extracting(AuditEvent::seq).containsExactly(5L);
      assertThat(ledger.since(0, 100, "other-model", null)).isEmpty();
      assertThat(ledger.since(8, 100, null, null)).isEmpty();
      assertThat(ledger.since(-5, 1, null, null)).extracting(AuditEvent::seq).containsExactly(1L);
      assertThatThrownBy(() -> ledger.since(0, 0, null, null)).hasMessageContaining("limit: 0 (expected: 1 or more)");
    }
  }
}
