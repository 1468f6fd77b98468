package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.RegistryFold;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a process appending in a loop: every acknowledged event survives, the rest is clean. */
class FileLedgerCrashTest {
  private static final int ACKS_BEFORE_KILL = 200;

  @TempDir Path dir;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyAcknowledgedAppendSurvivesKillDashNine() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), dir.toString())
        .redirectErrorStream(true)
        .start();
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
      List<AuditEvent> events = ledger.replay();
      assertThat(ledger.lastSeq()).isGreaterThanOrEqualTo(lastAck);
      assertThat(events).extracting(AuditEvent::seq).startsWith(1L, 2L, 3L);
      RegistryFold.replay(events);
      assertThat(ledger.append(LedgerEvents.register(9, LedgerEvents.v9())).seq()).isEqualTo(events.size() + 1);
    }
  }
}
