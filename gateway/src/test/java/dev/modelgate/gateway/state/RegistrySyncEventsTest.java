package dev.modelgate.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.RegistryFold;
import dev.modelgate.core.registry.Alias;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** registry_synced events go through the file ledger and a reopen like every other, and fold to the alias they describe. */
class RegistrySyncEventsTest {
  @TempDir
  Path dir;

  @Test
  void aSwitchAndARolloutStartedByTheRegistryReplayAfterAReopen() throws IOException {
    List<AuditEventDraft> drafts = new ArrayList<>(LedgerEvents.lifecycle().subList(0, 7));
    drafts.addAll(LedgerEvents.rollouts());
    drafts.addAll(LedgerEvents.registrySync());
    try (FileLedger ledger = FileLedger.open(dir)) {
      ledger.appendAll(drafts);
    }
    try (FileLedger reopened = FileLedger.open(dir)) {
      List<AuditEvent> replayed = reopened.replay().tail();
      assertThat(replayed).extracting(AuditEvent::draft).containsExactlyElementsOf(drafts);
      Alias production = RegistryFold.replay(replayed).models().get(LedgerEvents.MODEL).aliases().get("production");
      assertThat(production.weights()).isEqualTo(Map.of("v8", 50, "v9", 50));
      assertThat(production.stable()).isEqualTo("v8");
      assertThat(production.rollout().version()).isEqualTo("v9");
      assertThat(production.rollout().startedBy()).isEqualTo("registry:mlflow");
      assertThat(replayed.get(replayed.size() - 1).evidence()).containsEntry("registry_version", 8);
    }
  }
}
