package dev.modelgate.gateway.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.config.WebhookConfig;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.state.LedgerEvents;
import dev.modelgate.gateway.webhook.FleetQueue;
import dev.modelgate.gateway.webhook.FleetQueue.StoredEvent;
import dev.modelgate.gateway.webhook.Webhooks;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fleet's webhook queue on a real database: one holder per webhook, fenced settles, leases handed on. */
class PostgresOutboxTest {
  private static final Duration LEASE = Duration.ofMillis(600);
  private static final Map<String, String> ENV = Map.of("HOOK_SECRET", "s3cret");
  private static final List<Webhooks.Target> TARGETS = Webhooks.targets(
      List.of(new WebhookConfig("http://127.0.0.1:9/hook", "HOOK_SECRET", WebhookConfig.EVENTS)), ENV::get);
  private static final String KEY = TARGETS.get(0).key();
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  private static String databaseOf(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  private static StateConfig state(String url) {
    return StateConfig.postgres(url, null, 2);
  }

  private static PostgresOutbox outbox(String url, String replica, long fromSeq) throws IOException {
    return PostgresOutbox.open(vertx, state(url), ENV::get, replica, TARGETS, fromSeq);
  }

  /** A database with its tables and {@code events} events (seq 1, 2, ...). */
  private static String databaseWith(int events) throws IOException {
    String url = EmbeddedDatabase.newDatabase();
    try (PostgresLedger ledger = PostgresLedger.open(vertx, state(url), ENV::get, "outbox-test")) {
      ledger.append(LedgerEvents.config(1, null, LedgerEvents.declared()));
      for (int i = 2; i <= events; i++) {
        ledger.append(LedgerEvents.register(i, LedgerEvents.v9()));
      }
    }
    return url;
  }

  @Test
  void oneReplicaHoldsAWebhookUntilItsLeaseRunsOutThenTheOtherTakesOverAndTheFirstCanNoLongerSettle() throws Exception {
    String url = databaseWith(1);
    PostgresOutbox a = outbox(url, "a", 0);
    PostgresOutbox b = outbox(url, "b", 0);
    try {
      assertThat(a.claim(KEY, LEASE).await()).isEqualTo(OptionalLong.of(0));
      long claimed = System.nanoTime();
      assertThat(b.claim(KEY, LEASE).await()).as("a's lease runs").isEmpty();
      assertThat(a.claim(KEY, LEASE).await()).as("a renews").isEqualTo(OptionalLong.of(0));
      assertThat(a.settle(KEY, 1, null).await()).isTrue();

      OptionalLong taken = OptionalLong.empty();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (taken.isEmpty() && System.nanoTime() < deadline) {
        taken = b.claim(KEY, LEASE).await();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - claimed)).as("not before a's renewed lease ran out").isGreaterThanOrEqualTo(LEASE);
      assertThat(taken).as("b continues from a's cursor").isEqualTo(OptionalLong.of(1));
      assertThat(a.settle(KEY, 2, null).await()).as("a lost the lease").isFalse();
      assertThat(a.claim(KEY, LEASE).await()).isEmpty();
      assertThat(EmbeddedDatabase.number(databaseOf(url), "SELECT delivered_through FROM modelgate_webhook_cursors")).isEqualTo(1);
      assertThat(EmbeddedDatabase.text(databaseOf(url), "SELECT holder FROM modelgate_webhook_cursors")).isEqualTo(b.holder()).startsWith("b/");
    } finally {
      a.close().await();
      b.close().await();
    }
  }

  @Test
  void closingHandsTheLeaseOnAtOnce() throws Exception {
    String url = databaseWith(1);
    PostgresOutbox a = outbox(url, "a", 0);
    PostgresOutbox b = outbox(url, "b", 0);
    try {
      assertThat(a.claim(KEY, Duration.ofMinutes(5)).await()).isPresent();
      assertThat(b.claim(KEY, Duration.ofMinutes(5)).await()).isEmpty();
      a.close().await();
      assertThat(b.claim(KEY, Duration.ofMinutes(5)).await()).isEqualTo(OptionalLong.of(0));
    } finally {
      b.close().await();
    }
  }

  @Test
  void aWebhookNewToTheFleetStartsAtTheLedgerEndAndAKnownOneKeepsItsCursor() throws Exception {
    String url = databaseWith(3);
    PostgresOutbox first = outbox(url, "a", 3);
    PostgresOutbox later = outbox(url, "b", 7);
    try {
      assertThat(later.claim(KEY, LEASE).await()).isEqualTo(OptionalLong.of(3));
    } finally {
      first.close().await();
      later.close().await();
    }
  }

  @Test
  void readsEventsAsTheLedgerStoresThemAndRecordsAGiveUpWithTheCursor() throws Exception {
    String url = databaseWith(3);
    PostgresOutbox a = outbox(url, "a", 0);
    try (PostgresLedger ledger = PostgresLedger.open(vertx, state(url), ENV::get, "reader")) {
      List<AuditEvent> recorded = ledger.replay().tail();
      List<StoredEvent> read = a.eventsAfter(1, 10).await();
      assertThat(read).extracting(StoredEvent::seq).containsExactly(2L, 3L);
      assertThat(read).extracting(StoredEvent::action).containsOnly(Action.REGISTER_VERSION);
      assertThat(read.get(0).time()).isEqualTo(recorded.get(1).time());
      assertThat(new String(read.get(1).body(), StandardCharsets.UTF_8)).isEqualTo(EventJson.write(recorded.get(2)));

      assertThat(a.claim(KEY, LEASE).await()).isPresent();
      assertThat(a.settle(KEY, 2, new FleetQueue.GivenUp(7, "answered 503")).await()).isTrue();
      assertThat(EmbeddedDatabase.number(databaseOf(url), "SELECT delivered_through FROM modelgate_webhook_cursors")).isEqualTo(2);
      assertThat(EmbeddedDatabase.text(databaseOf(url), "SELECT seq || ' ' || attempts || ' ' || last_failure FROM modelgate_webhook_given_up"))
          .isEqualTo("2 7 answered 503");
    } finally {
      a.close().await();
    }
  }
}
