package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.rollout.BreachRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file store keeps the SLO guard's breach runs beside its ledger, latest per alias. */
class BreachRunsFileTest {
  private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");

  @TempDir Path dir;

  @Test
  void keepsTheLatestRunsOfEachAliasAcrossAReopen() throws IOException {
    try (FileLedger ledger = FileLedger.open(dir)) {
      ledger.saveBreachRuns(new BreachRuns("support-agent", "production", T0, Map.of("v8", 1)));
      ledger.saveBreachRuns(new BreachRuns("meta-llama/Llama-3.1-8B", "staging", T0, Map.of("v4", 1)));
      ledger.saveBreachRuns(new BreachRuns("support-agent", "production", T0.plusSeconds(5), Map.of("v8", 2, "v9", 1)));
      ledger.saveBreachRuns(new BreachRuns("meta-llama/Llama-3.1-8B", "staging", T0.plusSeconds(5), Map.of()));
    }
    try (FileLedger reopened = FileLedger.open(dir)) {
      assertThat(reopened.breachRuns()).containsExactly(new BreachRuns("support-agent", "production", T0.plusSeconds(5), Map.of("v8", 2, "v9", 1)));
      assertThat(reopened.replay().tail()).isEmpty();
    }
    assertThat(dir.resolve(BreachRunsFile.FILE_NAME + ".tmp")).doesNotExist();
  }

  @Test
  void startsWithoutRunsFromADamagedFileAndReplacesItOnTheNextSave() throws IOException {
    Files.writeString(dir.resolve(BreachRunsFile.FILE_NAME), "{\"aliases\":[{\"model\":\"support-agent\",\"alias\":", UTF_8);

    try (FileLedger ledger = FileLedger.open(dir)) {
      assertThat(ledger.breachRuns()).isEmpty();
      ledger.saveBreachRuns(new BreachRuns("support-agent", "production", T0, Map.of("v8", 1)));
    }
    try (FileLedger reopened = FileLedger.open(dir)) {
      assertThat(reopened.breachRuns()).containsExactly(new BreachRuns("support-agent", "production", T0, Map.of("v8", 1)));
    }
  }
}
