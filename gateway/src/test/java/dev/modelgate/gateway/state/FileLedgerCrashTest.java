package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.RegistryFold;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a process appending in a loop: every acknowledged event survives, the rest is clean. */
class FileLedgerCrashTest {
  private static final int ACKS_BEFORE_KILL = 200;
  private static final int BATCH = 37;

  @TempDir Path dir;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyAcknowledgedAppendSurvivesKillDashNine() throws Exception {
    Process child = crashChild();
    long lastAck = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while (lastAck < ACKS_BEFORE_KILL && (line = out.readLine()) != null) {
        if (line.startsWith("ack ")) {
          lastAck = Long.parseLong(line.substring(4));
        }
      }
      assertThatThrownBy(() -> FileLedger.open(dir)).hasMessageContaining("in use by another modelgate gateway");
      // Killed while it is mid-loop: appending, fsyncing or printing.
      child.destroyForcibly();
      child.waitFor(20, TimeUnit.SECONDS);
    } finally {
      child.destroyForcibly();
    }
    assertThat(lastAck).isEqualTo(ACKS_BEFORE_KILL);

    try (FileLedger ledger = FileLedger.open(dir)) {
      List<AuditEvent> events = ledger.replay().tail();
      assertThat(ledger.lastSeq()).isGreaterThanOrEqualTo(lastAck);
      assertThat(events).extracting(AuditEvent::seq).startsWith(1L, 2L, 3L);
      RegistryFold.replay(events);
      assertThat(ledger.append(LedgerEvents.register(9, LedgerEvents.v9())).seq()).isEqualTo(events.size() + 1);
    }
  }

  /** The same with batches of {@link #BATCH}: what survives is whole batches, never part of one. */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void killDashNineMidBatchLeavesWholeBatchesOnly() throws Exception {
    Process child = crashChild(Integer.toString(BATCH));
    long lastAck = 0;
    int acks = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while (acks < ACKS_BEFORE_KILL && (line = out.readLine()) != null) {
        if (line.startsWith("ack ")) {
          lastAck = Long.parseLong(line.substring(4));
          acks++;
        }
      }
      child.destroyForcibly();
      child.waitFor(20, TimeUnit.SECONDS);
    } finally {
      child.destroyForcibly();
    }
    assertThat(acks).isEqualTo(ACKS_BEFORE_KILL);

    try (FileLedger ledger = FileLedger.open(dir)) {
      List<AuditEvent> events = ledger.replay().tail();
      assertThat(ledger.lastSeq()).isGreaterThanOrEqualTo(lastAck);
      // Seq 1 is the child's first, single append; every batch after it is BATCH events.
      assertThat((ledger.lastSeq() - 1) % BATCH).as("events after the first: %d", ledger.lastSeq() - 1).isZero();
      RegistryFold.replay(events);
    }
  }

  private Process crashChild(String... args) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
        dir.toString()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }
}
