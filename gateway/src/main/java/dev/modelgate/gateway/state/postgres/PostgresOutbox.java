package dev.modelgate.gateway.state.postgres;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.webhook.FleetQueue;
import dev.modelgate.gateway.webhook.Webhooks;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The fleet's webhook queue in PostgreSQL (tables created by {@link PostgresLedger}'s migration 2):
 * {@code modelgate_webhook_cursors}, one row per webhook (its {@link Webhooks.Target#key() key}, a
 * label naming it as logs do, the seq it is settled through, and the lease: {@code holder} and
 * {@code lease_until}, on the database's clock so replicas' clocks do not matter), and {@code
 * modelgate_webhook_given_up}, one row per event given up. The events themselves are read from
 * {@code modelgate_events}: the body sent is the stored JSON line, byte for byte what the file
 * store's replica would send.
 *
 * <p>A claim locks the cursor row with {@code FOR UPDATE SKIP LOCKED}, so replicas racing for it
 * never wait on each other, and takes it only when the lease is this replica's or has run out. A
 * settle moves the cursor only while the row still names this replica: one that lost its lease
 * (a long pause, the database unreachable) finds out there and stops, its last event being sent
 * again by the new holder.
 *
 * <p>Its own pool of one connection ({@code modelgate-webhooks:<replicaId>}), so webhook traffic
 * never waits for, or holds up, the ledger's writer.
 */
public final class PostgresOutbox implements FleetQueue {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  // The replica id and a random part: a restarted replica with the same id does not inherit a lease it cannot honour.
  private final String holder;

  private PostgresOutbox(Pool pool, String holder) {
    this.pool = pool;
    this.holder = holder;
  }

  /**
   * Connects and registers {@code targets}: a webhook new to the fleet starts after {@code fromSeq}
   * (the ledger's end as this replica found it, so the config events it records next are sent);
   * one already known keeps its cursor. Blocks: call it off the event loop, before recording events.
   *
   * @throws IOException when the database cannot be reached or refuses
   */
  public static PostgresOutbox open(Vertx vertx, StateConfig state, Function<String, String> environment, String replicaId,
      List<Webhooks.Target> targets, long fromSeq) throws IOException {
    requireNonNull(targets, "targets");
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(Database.connectOptions(state, environment, "modelgate-webhooks:" + replicaId)).using(vertx).build();
    byte[] random = new byte[4];
    RANDOM.nextBytes(random);
    PostgresOutbox outbox = new PostgresOutbox(pool, replicaId + "/" + HexFormat.of().formatHex(random));
    try {
      for (Webhooks.Target target : targets) {
        Database.await(pool.preparedQuery("""
            INSERT INTO modelgate_webhook_cursors (target, label, delivered_through) VALUES ($1, $2, $3)
            ON CONFLICT (target) DO UPDATE SET label = excluded.label""")
            .execute(Tuple.of(target.key(), target.toString(), fromSeq)), "registering " + target);
      }
      return outbox;
    } catch (IOException | RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** This replica's name in {@code modelgate_webhook_cursors.holder}: {@code <replicaId>/<random hex>}. */
  public String holder() {
    return holder;
  }

  @Override
  public Future<OptionalLong> claim(String target, Duration lease) {
    return pool.preparedQuery("""
        UPDATE modelgate_webhook_cursors SET holder = $2, lease_until = now() + make_interval(secs => $3)
        WHERE target = (SELECT target FROM modelgate_webhook_cursors
                        WHERE target = $1 AND (holder = $2 OR lease_until < now()) FOR UPDATE SKIP LOCKED)
        RETURNING delivered_through""")
        .execute(Tuple.of(target, holder, lease.toMillis() / 1000.0))
        .map(rows -> rows.size() == 0 ? OptionalLong.empty() : OptionalLong.of(rows.iterator().next().getLong(0)));
  }

  @Override
  public Future<List<StoredEvent>> eventsAfter(long afterSeq, int limit) {
    return pool.preparedQuery("SELECT event::text FROM modelgate_events WHERE seq > $1 ORDER BY seq LIMIT $2")
        .execute(Tuple.of(afterSeq, limit))
        .map(rows -> {
          List<StoredEvent> events = new ArrayList<>(rows.size());
          for (Row row : rows) {
            String line = row.getString(0);
            AuditEvent event = EventJson.read(line);
            events.add(new StoredEvent(event.seq(), event.action(), event.time(), line.getBytes(StandardCharsets.UTF_8)));
          }
          return events;
        });
  }

  @Override
  public Future<Boolean> settle(String target, long throughSeq, GivenUp givenUp) {
    return pool.withTransaction(connection -> connection.preparedQuery("""
            UPDATE modelgate_webhook_cursors SET delivered_through = greatest(delivered_through, $3)
            WHERE target = $1 AND holder = $2""")
        .execute(Tuple.of(target, holder, throughSeq))
        .compose(moved -> {
          if (moved.rowCount() == 0 || givenUp == null) {
            return Future.succeededFuture(moved.rowCount() == 1);
          }
          return connection.preparedQuery("""
                  INSERT INTO modelgate_webhook_given_up (target, seq, attempts, last_failure) VALUES ($1, $2, $3, $4)
                  ON CONFLICT (target, seq) DO NOTHING""")
              .execute(Tuple.of(target, throughSeq, givenUp.attempts(), givenUp.lastFailure()))
              .map(true);
        }));
  }

  @Override
  public Future<Void> close() {
    return pool.preparedQuery("UPDATE modelgate_webhook_cursors SET holder = NULL, lease_until = '-infinity' WHERE holder = $1")
        .execute(Tuple.of(holder))
        .<Void>mapEmpty()
        .eventually(pool::close);
  }
}
