package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.RegistryFold;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileLedger#appendAll}: one write for many events, and after a crash all of them or none. */
class FileLedgerBatchTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve(FileLedger.FILE_NAME);
  }

  @Test
  void aBatchGetsConsecutiveSeqsAndReadsBackAsItsEvents() throws IOException {
    List<AuditEventDraft> lifecycle = LedgerEvents.lifecycle();
    List<AuditEvent> appended = new ArrayList<>();
    try (FileLedger ledger = FileLedger.open(dir)) {
      appended.add(ledger.append(lifecycle.get(0)));
      appended.addAll(ledger.appendAll(lifecycle.subList(1, 5)));
      appended.add(ledger.append(lifecycle.get(5)));
      assertThat(ledger.appendAll(List.of())).isEmpty();
      assertThat(appended).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
      assertThat(ledger.lastSeq()).isEqualTo(6);
      assertThat(ledger.since(0, 100, null, null)).isEqualTo(appended);
    }
    List<String> lines = Files.readAllLines(file());
    assertThat(lines).hasSize(7);
    assertThat(lines.get(1)).isEqualTo("{\"batch\":4}");

    try (FileLedger reopened = FileLedger.open(dir)) {
      assertThat(reopened.tornLine()).isEmpty();
      assertThat(reopened.replay().tail()).isEqualTo(appended);
      assertThat(RegistryFold.replay(reopened.replay().tail())).isEqualTo(RegistryFold.replay(appended));
      assertThat(reopened.append(lifecycle.get(6)).seq()).isEqualTo(7);
    }
  }

  @Test
  void aBatchLongerThanOneWriteIsWrittenWholeAndReadsBackAsItsEvents() throws IOException {
    List<AuditEventDraft> drafts = new ArrayList<>();
    while (drafts.size() < 3_000) {
      drafts.addAll(LedgerEvents.lifecycle());
    }
    List<AuditEvent> appended;
    try (FileLedger ledger = FileLedger.open(dir)) {
      appended = ledger.appendAll(drafts);
    }
    // Written in chunks of 256 Ki characters: this batch takes several.
    assertThat(Files.size(file())).isGreaterThan(3L << 18);
    List<String> lines = Files.readAllLines(file());
    assertThat(lines).hasSize(drafts.size() + 1);
    assertThat(lines.get(0)).isEqualTo("{\"batch\":" + drafts.size() + "}");
    try (FileLedger reopened = FileLedger.open(dir)) {
      assertThat(reopened.tornLine()).isEmpty();
      assertThat(reopened.replay().tail()).isEqualTo(appended);
      assertThat(reopened.append(LedgerEvents.lifecycle().get(0)).seq()).isEqualTo(drafts.size() + 1);
    }
  }

  /** Every length the file can have while the batch is being written: a crash there leaves none of the batch. */
  @Test
  void aBatchCutShortAnywhereIsDroppedWholeAndTheLedgerGoesOnAfterTheEventsBeforeIt() throws IOException {
    List<AuditEventDraft> lifecycle = LedgerEvents.lifecycle();
    List<AuditEvent> before;
    long batchStart;
    try (FileLedger ledger = FileLedger.open(dir)) {
      before = ledger.appendAll(lifecycle.subList(0, 2));
      batchStart = Files.size(file());
      ledger.appendAll(lifecycle.subList(2, 5));
    }
    byte[] whole = Files.readAllBytes(file());
    assertThat(whole.length - batchStart).isGreaterThan(100);

    long headerEnd = batchStart + "{\"batch\":3}\n".length();
    for (long cut = batchStart + 1; cut < whole.length; cut++) {
      try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(ByteBuffer.wrap(whole, 0, (int) cut));
      }
      long dropped = cut - batchStart;
      boolean inHeader = cut < headerEnd;
      try (FileLedger ledger = FileLedger.open(dir)) {
        assertThat(ledger.replay().tail()).as("cut at byte %d", cut).isEqualTo(before);
        assertThat(ledger.tornLine()).as("cut at byte %d", cut).hasValueSatisfying(torn -> {
          // Lines 1-3 are the first batch, its header and two events.
          assertThat(torn.line()).isEqualTo(4);
          assertThat(torn.offset()).isEqualTo(batchStart);
          assertThat(torn.length()).isEqualTo(dropped);
          // Cut inside its header, the batch is one torn line like any other.
          assertThat(torn.problem()).startsWith(inHeader ? "no newline at its end" : "a batch of 3 events, ");
        });
        assertThat(Files.size(file())).isEqualTo(batchStart);
      }
    }
    try (FileLedger ledger = FileLedger.open(dir)) {
      assertThat(ledger.tornLine()).isEmpty();
      assertThat(ledger.append(lifecycle.get(2)).seq()).isEqualTo(3);
    }
  }

  @Test
  void aLastBatchWithAnUnreadableLineButShortOfItsEventsIsATornAppend() throws IOException {
    List<AuditEventDraft> lifecycle = LedgerEvents.lifecycle();
    long batchStart;
    try (FileLedger ledger = FileLedger.open(dir)) {
      ledger.append(lifecycle.get(0));
      batchStart = Files.size(file());
    }
    // A crash can leave pages of the batch unwritten (zeros) ahead of ones that were.
    Files.write(file(), ("{\"batch\":3}\n\0\0\0\0\n").getBytes(UTF_8), StandardOpenOption.APPEND);

    try (FileLedger ledger = FileLedger.open(dir)) {
      assertThat(ledger.replay().tail()).hasSize(1);
      assertThat(ledger.tornLine()).hasValueSatisfying(torn -> {
        assertThat(torn.offset()).isEqualTo(batchStart);
        assertThat(torn.problem()).startsWith("a batch of 3 events, line 3: not valid JSON");
      });
    }
  }

  @Test
  void aLastBatchWithAllItsLinesButAnUnreadableOneIsATornAppendLikeAnUnreadableLastLine() throws IOException {
    List<AuditEventDraft> lifecycle = LedgerEvents.lifecycle();
    try (FileLedger ledger = FileLedger.open(dir)) {
      ledger.append(lifecycle.get(0));
      ledger.appendAll(lifecycle.subList(1, 3));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file()));
    lines.set(2, "\0\0\0\0");
    Files.write(file(), lines, UTF_8);

    try (FileLedger ledger = FileLedger.open(dir)) {
      assertThat(ledger.replay().tail()).hasSize(1);
      assertThat(ledger.tornLine()).hasValueSatisfying(torn -> {
        assertThat(torn.line()).isEqualTo(2);
        assertThat(torn.problem()).startsWith("a batch of 2 events, line 3: not valid JSON");
      });
    }
  }

  @Test
  void aWholeBatchWithAnUnreadableLineIsDamageNotACrash() throws IOException {
    List<AuditEventDraft> lifecycle = LedgerEvents.lifecycle();
    try (FileLedger ledger = FileLedger.open(dir)) {
      ledger.appendAll(lifecycle.subList(0, 3));
      ledger.append(lifecycle.get(3));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file()));
    lines.set(2, "{\"seq\":2,");
    Files.write(file(), lines, UTF_8);

    assertThatThrownBy(() -> FileLedger.open(dir))
        .isInstanceOf(LedgerCorruptException.class)
        .hasMessageContaining(file() + " line 3: ")
        .hasMessageContaining("which a crash cannot cause");
  }

  @Test
  void aBatchHeaderInsideABatchIsDamage() throws IOException {
    List<AuditEventDraft> lifecycle = LedgerEvents.lifecycle();
    try (FileLedger ledger = FileLedger.open(dir)) {
      ledger.appendAll(lifecycle.subList(0, 3));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file()));
    lines.add(2, "{\"batch\":2}");
    Files.write(file(), lines, UTF_8);

    assertThatThrownBy(() -> FileLedger.open(dir))
        .isInstanceOf(LedgerCorruptException.class)
        .hasMessageContaining(file() + " line 3: a batch header inside the batch that line 1 opened (expected: its 3 events)");
  }

  @Test
  void aFailedBatchWriteLeavesNoneOfItAndRefusesFurtherAppends() throws IOException {
    List<AuditEventDraft> lifecycle = LedgerEvents.lifecycle();
    FileLedger ledger = FileLedger.open(dir);
    ledger.append(lifecycle.get(0));
    long size = Files.size(file());
    ledger.close();
    // A closed channel makes the write itself fail, as a full disk would.
    assertThatThrownBy(() -> ledger.appendAll(lifecycle.subList(1, 4))).isInstanceOf(IOException.class);
    assertThat(Files.size(file())).isEqualTo(size);
    assertThat(ledger.lastSeq()).isEqualTo(1);
    assertThat(ledger.replay().tail()).hasSize(1);
    assertThatThrownBy(() -> ledger.append(lifecycle.get(1))).hasMessageContaining("no appends after a failed write");
  }
}
