package dev.modelgate.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.ledger.RegistryFold;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.BreachRuns;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Ledger} store promises, run against each: the file store and PostgreSQL give
 * the same answers to the same calls, before and after a reopen.
 */
public abstract class LedgerContract {

  /** Opens the store under test on this test's storage; a second call opens the same storage again. */
  protected abstract Ledger open() throws IOException;

  /** Damages the newest snapshot in storage, as a torn write or a disk fault would; the ledger is closed. */
  protected abstract void damageNewestSnapshot() throws IOException;

  private static List<AuditEvent> appendLifecycle(Ledger ledger) throws IOException {
    List<AuditEvent> appended = new ArrayList<>();
    for (AuditEventDraft draft : LedgerEvents.lifecycle()) {
      appended.add(ledger.append(draft));
    }
    return appended;
  }

  @Test
  public void keepsRolloutEventsWithTheirPlansThroughAReopenAndFoldsThemToTheSameAlias() throws IOException {
    List<AuditEventDraft> drafts = new ArrayList<>(LedgerEvents.lifecycle().subList(0, 7));
    drafts.addAll(LedgerEvents.rollouts());
    List<AuditEvent> appended;
    try (Ledger ledger = open()) {
      appended = ledger.appendAll(drafts);
    }
    try (Ledger reopened = open()) {
      List<AuditEvent> replayed = reopened.replay().tail();
      assertThat(replayed).isEqualTo(appended);
      assertThat(replayed).extracting(AuditEvent::draft).containsExactlyElementsOf(drafts);
      Registry folded = RegistryFold.replay(replayed);
      var production = folded.models().get(LedgerEvents.MODEL).aliases().get("production");
      assertThat(production.rollout()).isEqualTo(LedgerEvents.rollouts().get(7).change() instanceof dev.modelgate.core.ledger.Change.AliasChanged c
          ? c.after().rollout() : null);
      assertThat(production.weights()).isEqualTo(Map.of("v9", 100));
      assertThat(production.stable()).isEqualTo("v9");
      assertThat(production.revision()).isEqualTo(13);
    }
  }

  @Test
  public void anEmptyStoreHasNoEventsNoRunsAndSeqZero() throws IOException {
    try (Ledger ledger = open()) {
      assertThat(ledger.replay().tail()).isEmpty();
      assertThat(ledger.lastSeq()).isZero();
      assertThat(ledger.since(0, 10, null, null)).isEmpty();
      assertThat(ledger.breachRuns()).isEmpty();
      assertThat(ledger.catchUp()).isEmpty();
    }
  }

  @Test
  public void keepsEveryKindOfEventInSeqOrderThroughAReopen() throws IOException {
    List<AuditEvent> appended;
    try (Ledger ledger = open()) {
      appended = appendLifecycle(ledger);
      assertThat(appended).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(appended).extracting(AuditEvent::draft).containsExactlyElementsOf(LedgerEvents.lifecycle());
      assertThat(ledger.replay().tail()).isEqualTo(appended);
      assertThat(ledger.lastSeq()).isEqualTo(8);
    }
    try (Ledger reopened = open()) {
      assertThat(reopened.replay().tail()).isEqualTo(appended);
      assertThat(reopened.replay().tail()).extracting(AuditEvent::action).contains(LedgerEvents.LIFECYCLE_ACTIONS);
      assertThat(reopened.lastSeq()).isEqualTo(8);
      Registry stepByStep = Registry.EMPTY;
      for (AuditEvent event : appended) {
        stepByStep = RegistryFold.apply(stepByStep, event);
      }
      assertThat(RegistryFold.replay(reopened.replay().tail())).isEqualTo(stepByStep);
      AuditEvent next = reopened.append(LedgerEvents.register(9, LedgerEvents.v9()));
      assertThat(next.seq()).isEqualTo(9);
    }
  }

  @Test
  public void aBatchTakesConsecutiveSeqsAndReadsBackLikeSingleAppends() throws IOException {
    List<AuditEventDraft> drafts = LedgerEvents.lifecycle();
    List<AuditEvent> batch;
    try (Ledger ledger = open()) {
      assertThat(ledger.appendAll(List.of())).isEmpty();
      AuditEvent first = ledger.append(drafts.get(0));
      batch = ledger.appendAll(drafts.subList(1, drafts.size()));
      assertThat(batch).extracting(AuditEvent::seq).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(batch).extracting(AuditEvent::draft).containsExactlyElementsOf(drafts.subList(1, drafts.size()));
      assertThat(ledger.lastSeq()).isEqualTo(8);
      assertThat(ledger.replay().tail()).startsWith(first).endsWith(batch.toArray(AuditEvent[]::new));
    }
    try (Ledger reopened = open()) {
      assertThat(reopened.replay().tail()).hasSize(8).endsWith(batch.toArray(AuditEvent[]::new));
    }
  }

  @Test
  public void sinceFiltersBySeqModelAndAliasAndStopsAtTheLimit() throws IOException {
    try (Ledger ledger = open()) {
      List<AuditEvent> all = appendLifecycle(ledger);
      assertThat(ledger.since(0, 100, null, null)).isEqualTo(all);
      assertThat(ledger.since(-5, 100, null, null)).isEqualTo(all);
      assertThat(ledger.since(5, 100, null, null)).extracting(AuditEvent::seq).containsExactly(6L, 7L, 8L);
      assertThat(ledger.since(2, 3, null, null)).extracting(AuditEvent::seq).containsExactly(3L, 4L, 5L);
      assertThat(ledger.since(8, 100, null, null)).isEmpty();
      assertThat(ledger.since(0, 100, LedgerEvents.MODEL, "production")).extracting(AuditEvent::seq).containsExactly(3L, 4L, 6L, 7L);
      assertThat(ledger.since(3, 1, LedgerEvents.MODEL, "production")).extracting(AuditEvent::seq).containsExactly(4L);
      assertThat(ledger.since(0, 100, LedgerEvents.MODEL, null)).isEqualTo(all);
      assertThat(ledger.since(0, 100, null, "candidate")).extracting(AuditEvent::seq).containsExactly(5L);
      assertThat(ledger.since(0, 100, "another-model", null)).isEmpty();
      assertThatThrownBy(() -> ledger.since(0, 0, null, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit: 0");
    }
  }

  @Test
  public void breachRunsAreReplacedAndRemovedPerAliasAndSurviveAReopen() throws IOException {
    BreachRuns production = new BreachRuns(LedgerEvents.MODEL, "production", LedgerEvents.T0.plusNanos(123_456_789), Map.of("v8", 1));
    BreachRuns productionLater = new BreachRuns(LedgerEvents.MODEL, "production", LedgerEvents.T0.plusSeconds(5), Map.of("v8", 2, "v9", 1));
    BreachRuns staging = new BreachRuns(LedgerEvents.MODEL, "staging", LedgerEvents.T0, Map.of("v8", 1));
    try (Ledger ledger = open()) {
      ledger.saveBreachRuns(production);
      ledger.saveBreachRuns(staging);
      ledger.saveBreachRuns(productionLater);
      assertThat(ledger.breachRuns()).containsExactlyInAnyOrder(productionLater, staging);
    }
    try (Ledger reopened = open()) {
      assertThat(reopened.breachRuns()).containsExactlyInAnyOrder(productionLater, staging);
      reopened.saveBreachRuns(new BreachRuns(LedgerEvents.MODEL, "staging", LedgerEvents.T0.plusSeconds(9), Map.of()));
      assertThat(reopened.breachRuns()).containsExactly(productionLater);
    }
    try (Ledger again = open()) {
      assertThat(again.breachRuns()).containsExactly(productionLater);
    }
  }

  @Test
  public void aReopenFoldsTheNewestSnapshotAndOnlyTheEventsAfterItAndTheAuditStillAnswersFromSeqOne() throws IOException {
    List<AuditEventDraft> drafts = LedgerEvents.lifecycle();
    List<AuditEvent> all = new ArrayList<>();
    LedgerState atFour;
    try (Ledger ledger = open()) {
      all.addAll(ledger.appendAll(drafts.subList(0, 2)));
      all.add(ledger.append(drafts.get(2)));
      all.add(ledger.append(drafts.get(3)));
      atFour = LedgerState.EMPTY.applyAll(all);
      ledger.saveSnapshot(atFour);
      ledger.saveSnapshot(atFour);
      assertThatThrownBy(() -> ledger.saveSnapshot(LedgerState.EMPTY.applyAll(all.subList(0, 3))))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq 3 of a ledger at seq 4");
      all.addAll(ledger.appendAll(drafts.subList(4, 7)));
    }
    try (Ledger reopened = open()) {
      Ledger.Replay replay = reopened.replay();
      assertThat(replay.snapshot().seq()).isEqualTo(4);
      assertThat(replay.snapshot()).isEqualTo(atFour);
      assertThat(replay.snapshot().autoRollbacks()).extracting(AuditEvent::seq).containsExactly(4L);
      assertThat(replay.tail()).isEqualTo(all.subList(4, 7));
      assertThat(replay.fold()).isEqualTo(LedgerState.EMPTY.applyAll(all));
      assertThat(reopened.lastSeq()).isEqualTo(7);
      assertThat(reopened.since(0, 2, null, null)).isEqualTo(all.subList(0, 2));
      assertThat(reopened.since(0, 100, null, "production")).extracting(AuditEvent::seq).containsExactly(3L, 4L, 6L, 7L);
      assertThat(reopened.append(drafts.get(7)).seq()).isEqualTo(8);
    }
  }

  @Test
  public void aSnapshotKeepsTextBeyondAsciiThroughAReopen() throws IOException {
    Model plain = LedgerEvents.declared();
    Model model = new Model(plain.name(), plain.defaultAlias(), "Assistant — café, 東京, 🚀", "ml-plätform", List.of("çhat", "티어-1"),
        plain.versions(), plain.aliases());
    LedgerState state;
    try (Ledger ledger = open()) {
      state = LedgerState.EMPTY.applyAll(List.of(ledger.append(LedgerEvents.config(1, null, model))));
      ledger.saveSnapshot(state);
    }
    try (Ledger reopened = open()) {
      Ledger.Replay replay = reopened.replay();
      assertThat(replay.snapshot().seq()).isEqualTo(1);
      assertThat(replay.snapshot()).isEqualTo(state);
      assertThat(replay.snapshot().registry().models().get(model.name()).description()).isEqualTo("Assistant — café, 東京, 🚀");
    }
  }

  @Test
  public void aDamagedNewestSnapshotIsSkippedForTheOneBeforeItAndTwoForTheWholeLedger() throws IOException {
    List<AuditEventDraft> drafts = LedgerEvents.lifecycle();
    List<AuditEvent> all = new ArrayList<>();
    try (Ledger ledger = open()) {
      for (AuditEventDraft draft : drafts.subList(0, 6)) {
        all.add(ledger.append(draft));
        if (all.size() >= 3) {
          ledger.saveSnapshot(LedgerState.EMPTY.applyAll(all));
        }
      }
    }
    LedgerState whole = LedgerState.EMPTY.applyAll(all);
    damageNewestSnapshot();
    try (Ledger reopened = open()) {
      Ledger.Replay replay = reopened.replay();
      // Snapshots at 3 to 6 were saved, the newest two kept: 5 and 6, and 6 is damaged.
      assertThat(replay.snapshot().seq()).isEqualTo(5);
      assertThat(replay.tail()).isEqualTo(all.subList(5, 6));
      assertThat(replay.fold()).isEqualTo(whole);
    }
    damageNewestSnapshot();
    try (Ledger reopened = open()) {
      Ledger.Replay replay = reopened.replay();
      assertThat(replay.snapshot()).isEqualTo(LedgerState.EMPTY);
      assertThat(replay.tail()).isEqualTo(all);
      assertThat(replay.fold()).isEqualTo(whole);
    }
  }
}
