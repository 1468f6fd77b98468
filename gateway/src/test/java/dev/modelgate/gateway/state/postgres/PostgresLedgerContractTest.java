package dev.modelgate.gateway.state.postgres;

import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.state.Ledger;
import dev.modelgate.gateway.state.LedgerContract;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

class PostgresLedgerContractTest extends LedgerContract {
  private static Vertx vertx;
  private String url;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void newDatabase() {
    url = EmbeddedDatabase.newDatabase();
  }

  @Override
  protected void damageNewestSnapshot() {
    String database = url.substring(url.lastIndexOf('/') + 1);
    EmbeddedDatabase.execute(database, "UPDATE modelgate_snapshots SET snapshot = left(snapshot, length(snapshot) / 2)"
        + " WHERE seq = (SELECT max(seq) FROM modelgate_snapshots WHERE snapshot LIKE '%}')");
  }

  @Override
  protected Ledger open() throws IOException {
    return PostgresLedger.open(vertx, StateConfig.postgres(url, null, 2), Map.<String, String>of()::get, "contract-test");
  }
}
