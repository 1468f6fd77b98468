package dev.modelgate.gateway.state.postgres;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.BreachRuns;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.schema.SchemaException;
import dev.modelgate.gateway.schema.SnapshotJson;
import dev.modelgate.gateway.state.AppendConflictException;
import dev.modelgate.gateway.state.Ledger;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The ledger in PostgreSQL, shared by every replica of a fleet: table {@code modelgate_events}, one
 * row per event with the event as the same JSON line {@link EventJson} writes to the file store
 * (one shape), and beside it the columns the audit query filters on ({@code seq} the primary key,
 * {@code model}, {@code alias}, {@code action}). The SLO guard's breach runs live in {@code
 * modelgate_breach_runs}, one row per alias; each replica's SLO window figures in {@code
 * modelgate_slo_figures} ({@link PostgresGuardFleet}); snapshots of the fold, so start-up reads one and
 * the events after it, in {@code modelgate_snapshots}, one row per seq, the newest two kept.
 *
 * <p><b>Appends only on the latest seq.</b> This ledger knows the events up to {@link #lastSeq()}:
 * those it replayed, appended or caught up on. An append inserts {@code lastSeq() + 1}; the primary
 * key refuses it when another replica appended that seq first, and since a writer only ever appends
 * right after the last event it has seen, a successful insert proves nothing was appended in
 * between. The refusal is an {@link AppendConflictException}: nothing was written, and the caller
 * {@link #catchUp() catches up} and decides again. So {@code if_revision} and every other check made
 * against the registry hold fleet-wide, without a lock held across the decision. The same
 * transaction runs {@code pg_notify} on {@link #CHANNEL} with the seq, delivered at commit.
 *
 * <p><b>Schema.</b> Opening creates or migrates the tables in one transaction under an advisory
 * lock, so replicas starting together migrate once; {@code modelgate_schema} holds the version. A
 * database migrated by a newer modelgate is refused: this code cannot know what its tables mean.
 *
 * <p>Every method blocks on the reactive client (at most {@link Database#TIMEOUT} per answer), so it
 * runs off the event loop, as {@link Ledger} asks.
 */
public final class PostgresLedger implements Ledger {
  /** The NOTIFY channel; the payload is the appended seq. */
  public static final String CHANNEL = "modelgate_events";
  // Any constant shared by every modelgate; "mgschema" in ASCII.
  private static final long SCHEMA_LOCK = 0x6d67_7363_6865_6d61L;
  private static final int CATCH_UP_BATCH = 1000;
  // Start-up reads a long tail (a ledger from before snapshots) in pages this big.
  private static final int REPLAY_BATCH = 10_000;
  // Characters per query when start-up reads a snapshot.
  private static final int SNAPSHOT_SLICE = 1 << 20;
  // Events per INSERT of an append (all in its one transaction).
  private static final int INSERT_CHUNK = 500;
  private static final int SNAPSHOTS_KEPT = 2;
  private static final Logger LOG = Logger.getLogger(PostgresLedger.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, Integer>> RUNS = new TypeReference<>() {};

  /** Migration n (from version n to n + 1) is {@code MIGRATIONS.get(n)}. */
  private static final List<List<String>> MIGRATIONS = List.of(List.of(
      """
      CREATE TABLE modelgate_events (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        model text NOT NULL,
        alias text,
        action text NOT NULL,
        event json NOT NULL)""",
      "CREATE INDEX modelgate_events_model_alias ON modelgate_events (model, alias, seq)",
      """
      CREATE TABLE modelgate_breach_runs (
        model text NOT NULL,
        alias text NOT NULL,
        seen_at text NOT NULL,
        runs json NOT NULL,
        PRIMARY KEY (model, alias))"""),
      // Webhooks delivered once by the fleet: PostgresOutbox.
      List.of("""
          CREATE TABLE modelgate_webhook_cursors (
            target text PRIMARY KEY,
            label text NOT NULL,
            delivered_through bigint NOT NULL,
            holder text,
            lease_until timestamptz NOT NULL DEFAULT '-infinity')""",
          """
          CREATE TABLE modelgate_webhook_given_up (
            target text NOT NULL,
            seq bigint NOT NULL,
            attempts integer NOT NULL,
            last_failure text NOT NULL,
            given_up_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (target, seq))"""),
      // Each replica's SLO window figures, summed by the guard's leader: PostgresGuardFleet.
      List.of("""
      CREATE TABLE modelgate_slo_figures (
        replica_id text NOT NULL,
        model text NOT NULL,
        alias text NOT NULL,
        version text NOT NULL,
        figures json NOT NULL,
        published_at timestamptz NOT NULL,
        PRIMARY KEY (replica_id, model, alias, version))"""),
      // Snapshots of the fold, so start-up reads one and the events after it: replay(), saveSnapshot().
      List.of("""
      CREATE TABLE modelgate_snapshots (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        snapshot text NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now())"""));
  static final int SCHEMA_VERSION = MIGRATIONS.size();

  private final Pool pool;
  private final String where;
  // Written by the one writer (append, catchUp) and at open.
  private volatile long lastSeq;
  // The size of the last snapshot saved, so the next one's buffer is allocated once; writer thread only.
  private int snapshotBytes;
  // The config file's models until the first replay (start-up's) has read its snapshot beside them.
  private Registry likely = Registry.EMPTY;

  private PostgresLedger(Pool pool, String where) {
    this.pool = pool;
    this.where = where;
  }

  /**
   * Connects to {@code state.url}, creates or migrates the tables and reads where the ledger ends.
   *
   * @param replicaId names the pool's connections ({@code application_name} {@code modelgate:<replicaId>})
   * @throws IllegalArgumentException naming the key when the URL or password variable cannot be used
   * @throws IOException when the database cannot be reached, refuses, or has a newer schema (the
   *     message says which)
   */
  public static PostgresLedger open(Vertx vertx, StateConfig state, Function<String, String> environment, String replicaId) throws IOException {
    return open(vertx, state, environment, replicaId, Registry.EMPTY);
  }

  /**
   * Like {@link #open(Vertx, StateConfig, Function, String)}; the first {@link #replay()}'s snapshot
   * shares the versions it holds equal to those of {@code likely} (the config file's models, at
   * start-up) rather than keep a second copy of each.
   */
  public static PostgresLedger open(Vertx vertx, StateConfig state, Function<String, String> environment, String replicaId, Registry likely)
      throws IOException {
    requireNonNull(vertx, "vertx");
    requireNonNull(likely, "likely");
    requireNonNull(state, "state");
    PgConnectOptions options = Database.connectOptions(state, environment, "modelgate:" + replicaId);
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(state.poolSize())).connectingTo(options).using(vertx).build();
    PostgresLedger ledger = new PostgresLedger(pool, options.getHost() + ":" + options.getPort() + "/" + options.getDatabase());
    try {
      ledger.likely = likely;
      ledger.migrate();
      ledger.lastSeq = Database.await(pool.query("SELECT coalesce(max(seq), 0) FROM modelgate_events").execute(), "reading the last seq")
          .iterator().next().getLong(0);
      return ledger;
    } catch (IOException | RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** Where the ledger is, {@code host:port/database}, for messages. */
  public String where() {
    return where;
  }

  private void migrate() throws IOException {
    Database.await(pool.withTransaction(connection -> connection.query("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")").execute()
        .compose(locked -> connection.query("CREATE TABLE IF NOT EXISTS modelgate_schema (version integer NOT NULL)").execute())
        .compose(created -> connection.query("SELECT coalesce(max(version), 0) FROM modelgate_schema").execute())
        .compose(rows -> {
          int found = rows.iterator().next().getInteger(0);
          if (found > SCHEMA_VERSION) {
            return Future.failedFuture(new Database.Refusal("state: the database " + where + " has modelgate schema version " + found
                + ", newer than this modelgate knows (" + SCHEMA_VERSION + "): a newer release migrated it. Run that release"
                + " (or newer) on every replica, or point state.url at another database"));
          }
          Future<?> step = Future.succeededFuture();
          for (int version = found; version < SCHEMA_VERSION; version++) {
            for (String statement : MIGRATIONS.get(version)) {
              step = step.compose(done -> connection.query(statement).execute());
            }
          }
          if (found == SCHEMA_VERSION) {
            return step.mapEmpty();
          }
          return step.compose(done -> connection.query("DELETE FROM modelgate_schema").execute())
              .compose(done -> connection.query("INSERT INTO modelgate_schema (version) VALUES (" + SCHEMA_VERSION + ")").execute())
              .mapEmpty();
        })), "creating or migrating the tables in " + where);
  }

  @Override
  public Replay replay() throws IOException {
    long through = lastSeq;
    LedgerState snapshot = newestSnapshot(through, likely);
    // Only start-up's replay has the config file's models beside it; they are not kept past it.
    likely = Registry.EMPTY;
    List<AuditEvent> tail = new ArrayList<>();
    List<AuditEvent> page;
    do {
      long after = snapshot.seq() + tail.size();
      page = read("SELECT event::text FROM modelgate_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
          Tuple.of(after, through, REPLAY_BATCH), after, "replaying the ledger after seq " + after);
      tail.addAll(page);
    } while (page.size() == REPLAY_BATCH);
    if (snapshot.seq() + tail.size() != through) {
      throw new IOException("state: the ledger in " + where + " ends at seq " + (snapshot.seq() + tail.size()) + " (expected: " + through
          + "; events were deleted)");
    }
    return new Replay(snapshot, tail);
  }

  // The newest snapshot at or before seq through that reads; others are skipped with a warning. One
  // document at a time: each is 11 MB of text at 10,000 models, and the older one is rarely needed.
  private LedgerState newestSnapshot(long through, Registry likely) throws IOException {
    RowSet<Row> seqs = Database.await(pool.preparedQuery("SELECT seq FROM modelgate_snapshots WHERE seq <= $1 ORDER BY seq DESC")
        .execute(Tuple.of(through)), "reading the ledger's snapshots");
    List<Long> newestFirst = new ArrayList<>();
    seqs.forEach(row -> newestFirst.add(row.getLong(0)));
    for (long seq : newestFirst) {
      try {
        SnapshotJson json = snapshot(seq, likely);
        if (json == null) {
          continue;
        }
        if (json.seq() == seq) {
          return json.toState();
        }
        LOG.warning("state: the snapshot at seq " + seq + " in " + where + " holds seq " + json.seq() + "; ignored, start-up reads from an older one");
      } catch (IllegalArgumentException e) {
        LOG.warning("state: the snapshot at seq " + seq + " in " + where + " cannot be read (" + e.getMessage()
            + "); ignored, start-up reads from an older one or the ledger's start");
      }
    }
    return LedgerState.EMPTY;
  }

  // The snapshot saved at seq, or null when it is gone. Read a slice at a time: at 10,000 models it
  // is 11 MB of text, which as one value the client holds as its network message and a String at once.
  private SnapshotJson snapshot(long seq, Registry likely) throws IOException {
    RowSet<Row> rows = Database.await(pool.preparedQuery("SELECT length(snapshot) FROM modelgate_snapshots WHERE seq = $1")
        .execute(Tuple.of(seq)), "reading the ledger's snapshot at seq " + seq);
    if (rows.size() == 0) {
      return null;
    }
    int length = rows.iterator().next().getInteger(0);
    return SnapshotJson.read(() -> new SnapshotText(seq, length), likely);
  }

  // The text of the snapshot at seq, fetched SNAPSHOT_SLICE characters at a time as the parser asks.
  private final class SnapshotText extends Reader {
    private final long seq;
    private final int length;
    private int fetched;
    private String slice = "";
    private int at;

    SnapshotText(long seq, int length) {
      this.seq = seq;
      this.length = length;
    }

    @Override
    public int read(char[] into, int offset, int count) throws IOException {
      if (at == slice.length()) {
        if (fetched == length) {
          return -1;
        }
        RowSet<Row> rows = Database.await(pool.preparedQuery("SELECT substr(snapshot, $2, $3) FROM modelgate_snapshots WHERE seq = $1")
            .execute(Tuple.of(seq, fetched + 1, SNAPSHOT_SLICE)), "reading the ledger's snapshot at seq " + seq);
        slice = rows.size() == 0 ? "" : rows.iterator().next().getString(0);
        if (slice.isEmpty()) {
          // Refused like a damaged one: start-up goes on from an older snapshot or the ledger's start.
          throw new SchemaException("", "removed or cut short while being read (expected: " + length + " characters)");
        }
        // PostgreSQL counts characters, Java UTF-16 units: one emoji is one of the first, two of the second.
        fetched += slice.codePointCount(0, slice.length());
        at = 0;
      }
      int read = Math.min(count, slice.length() - at);
      slice.getChars(at, at + read, into, offset);
      at += read;
      return read;
    }

    @Override
    public void close() {
      slice = "";
    }
  }

  @Override
  public void saveSnapshot(LedgerState state) throws IOException {
    requireNonNull(state, "state");
    if (state.seq() != lastSeq) {
      throw new IllegalArgumentException("a snapshot at seq " + state.seq() + " of a ledger at seq " + lastSeq + " (expected: the same seq)");
    }
    if (state.seq() == 0) {
      return;
    }
    // UTF-8 straight into the buffer sent, sized by the last one: at 10,000 models the document is
    // 11 MB, which as a String (and Jackson's segments behind it) a small heap held several times over.
    Buffer json = Buffer.buffer(Math.max(snapshotBytes + snapshotBytes / 8, state.registry().models().size() * 1_024));
    SnapshotJson.write(state, null, null, new OutputStream() {
      @Override
      public void write(int b) {
        json.appendByte((byte) b);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        json.appendBytes(bytes, offset, length);
      }
    });
    snapshotBytes = json.length();
    // Replicas folding the same events save the same document: the first one's stays.
    Database.await(pool.withTransaction(connection -> connection
        .preparedQuery("INSERT INTO modelgate_snapshots (seq, snapshot) VALUES ($1, convert_from($2, 'UTF8')) ON CONFLICT (seq) DO NOTHING")
        .execute(Tuple.of(state.seq(), json))
        .compose(saved -> connection.preparedQuery("""
            DELETE FROM modelgate_snapshots WHERE seq < (SELECT seq FROM modelgate_snapshots ORDER BY seq DESC OFFSET $1 LIMIT 1)""")
            .execute(Tuple.of(SNAPSHOTS_KEPT - 1)))), "saving a snapshot at seq " + state.seq());
  }

  @Override
  public List<AuditEvent> appendAll(List<AuditEventDraft> drafts) throws IOException {
    requireNonNull(drafts, "drafts");
    if (drafts.isEmpty()) {
      return List.of();
    }
    List<AuditEvent> events = new ArrayList<>(drafts.size());
    for (AuditEventDraft draft : drafts) {
      events.add(draft.withSeq(lastSeq + 1 + events.size()));
    }
    long first = events.get(0).seq();
    long last = events.get(events.size() - 1).seq();
    // Snapshots in a database without events belong to a history that is gone (an import starts a new one).
    String clearStale = first == 1 ? "DELETE FROM modelgate_snapshots" : "SELECT 1";
    Future<RowSet<Row>> insert = pool.withTransaction(connection -> {
      // In chunks, each one's JSON made as it is sent: a config batch of 10,000 models is 11 MB of it,
      // which made all at once a small heap holds in its old generation. One transaction all the same.
      Future<RowSet<Row>> inserted = Future.succeededFuture();
      for (int from = 0; from < events.size(); from += INSERT_CHUNK) {
        List<AuditEvent> chunk = events.subList(from, Math.min(events.size(), from + INSERT_CHUNK));
        inserted = inserted.compose(before -> connection
            .preparedQuery("INSERT INTO modelgate_events (seq, model, alias, action, event) VALUES ($1, $2, $3, $4, $5::text::json)")
            .executeBatch(rows(chunk)));
      }
      return inserted
          .compose(before -> connection.query(clearStale).execute())
          .compose(before -> connection.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(CHANNEL, Long.toString(last))));
    });
    Future<RowSet<Row>> conflictsNamed = insert.recover(failure -> Future.failedFuture(
        Database.isUniqueViolation(failure) ? new AppendConflictException(first) : failure));
    Database.await(conflictsNamed, first == last ? "appending seq " + first : "appending seq " + first + " to " + last);
    lastSeq = last;
    return events;
  }


  private static List<Tuple> rows(List<AuditEvent> events) {
    List<Tuple> rows = new ArrayList<>(events.size());
    for (AuditEvent event : events) {
      rows.add(Tuple.of(event.seq(), event.model(), event.alias(), event.action().wireName(), EventJson.write(event)));
    }
    return rows;
  }

  /**
   * Events other replicas appended after {@link #lastSeq()}, oldest first; {@link #lastSeq()} then
   * includes them. Call it from the one writer.
   */
  @Override
  public List<AuditEvent> catchUp() throws IOException {
    List<AuditEvent> caught = new ArrayList<>();
    List<AuditEvent> batch;
    do {
      long after = lastSeq;
      batch = read("SELECT event::text FROM modelgate_events WHERE seq > $1 ORDER BY seq LIMIT $2", Tuple.of(after, CATCH_UP_BATCH), after,
          "catching up after seq " + after);
      caught.addAll(batch);
      if (!batch.isEmpty()) {
        lastSeq = batch.get(batch.size() - 1).seq();
      }
    } while (batch.size() == CATCH_UP_BATCH);
    return caught;
  }

  @Override
  public List<AuditEvent> since(long afterSeq, int limit, String model, String alias) throws IOException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: 1 or more)");
    }
    StringBuilder sql = new StringBuilder("SELECT event::text FROM modelgate_events WHERE seq > $1");
    List<Object> values = new ArrayList<>(List.of(Math.max(afterSeq, 0), limit));
    if (model != null) {
      values.add(model);
      sql.append(" AND model = $").append(values.size());
    }
    if (alias != null) {
      values.add(alias);
      sql.append(" AND alias = $").append(values.size());
    }
    sql.append(" ORDER BY seq LIMIT $2");
    return read(sql.toString(), Tuple.from(values), -1, "reading events after seq " + afterSeq);
  }

  /**
   * Rows of one {@code event::text} column as events; when {@code contiguousAfter} is 0 or more,
   * they must be the seqs right after it, since a gap would fold into a state nobody acknowledged.
   */
  private List<AuditEvent> read(String sql, Tuple values, long contiguousAfter, String doing) throws IOException {
    RowSet<Row> rows = Database.await(pool.preparedQuery(sql).execute(values), doing);
    List<AuditEvent> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      AuditEvent event;
      try {
        event = EventJson.read(row.getString(0));
      } catch (IllegalArgumentException e) {
        throw new IOException("state: an event in " + where + " after " + describeLast(events, contiguousAfter)
            + " cannot be read: " + e.getMessage(), e);
      }
      if (contiguousAfter >= 0 && event.seq() != contiguousAfter + events.size() + 1) {
        throw new IOException("state: the ledger in " + where + " has seq " + event.seq() + " after " + describeLast(events, contiguousAfter)
            + " (expected: " + (contiguousAfter + events.size() + 1) + "; a gap means events were deleted)");
      }
      events.add(event);
    }
    return events;
  }

  private static String describeLast(List<AuditEvent> events, long contiguousAfter) {
    long last = events.isEmpty() ? contiguousAfter : events.get(events.size() - 1).seq();
    return last <= 0 ? "the start" : "seq " + last;
  }

  @Override
  public List<BreachRuns> breachRuns() throws IOException {
    RowSet<Row> rows = Database.await(pool.query("SELECT model, alias, seen_at, runs::text FROM modelgate_breach_runs ORDER BY model, alias")
        .execute(), "reading the SLO guard's breach runs");
    List<BreachRuns> all = new ArrayList<>(rows.size());
    for (Row row : rows) {
      try {
        all.add(new BreachRuns(row.getString(0), row.getString(1), Instant.parse(row.getString(2)), JSON.readValue(row.getString(3), RUNS)));
      } catch (JsonProcessingException | RuntimeException e) {
        throw new IOException("state: the breach runs of " + row.getString(0) + ":" + row.getString(1) + " in " + where
            + " cannot be read: " + e.getMessage(), e);
      }
    }
    return all;
  }

  @Override
  public void saveBreachRuns(BreachRuns runs) throws IOException {
    requireNonNull(runs, "runs");
    Future<RowSet<Row>> saved;
    if (runs.runs().isEmpty()) {
      saved = pool.preparedQuery("DELETE FROM modelgate_breach_runs WHERE model = $1 AND alias = $2").execute(Tuple.of(runs.model(), runs.alias()));
    } else {
      saved = pool.preparedQuery("""
          INSERT INTO modelgate_breach_runs (model, alias, seen_at, runs) VALUES ($1, $2, $3, $4::text::json)
          ON CONFLICT (model, alias) DO UPDATE SET seen_at = excluded.seen_at, runs = excluded.runs""")
          .execute(Tuple.of(runs.model(), runs.alias(), runs.seenAt().toString(), JSON.writeValueAsString(runs.runs())));
    }
    Database.await(saved, "saving the breach runs of " + runs.model() + ":" + runs.alias());
  }

  @Override
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  public void close() throws IOException {
    Database.await(pool.close(), "closing the connections to " + where);
  }

}
