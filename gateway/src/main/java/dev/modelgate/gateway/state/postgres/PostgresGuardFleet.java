package dev.modelgate.gateway.state.postgres;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelgate.core.slo.WindowFigures;
import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.rollout.GuardFleet;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The SLO guard's fleet in PostgreSQL (docs/operations.md, "The SLO guard in a fleet"), on one
 * connection per replica of its own ({@code application_name} {@code modelgate-guard:<replicaId>}).
 *
 * <p><b>Who leads.</b> The replica whose session holds the advisory lock {@link #LEADER_LOCK}. Every
 * replica that does not lead tries {@code pg_try_advisory_lock} once per attempt period (half the
 * shortest {@code evaluation_interval} of the guarded aliases), never waiting for it. A session lock
 * lives as long as its session: when the leader's process dies, even by {@code kill -9}, its socket
 * closes, PostgreSQL ends the session and frees the lock, and the next attempt of another replica
 * takes it — so a new leader within one attempt period of the old session's end. The leader checks
 * its session each period too; the moment its connection closes, or a check goes unanswered for a
 * period (at least a second), it stops leading (and drops the connection, so its lock cannot outlive its leadership
 * unnoticed by the server), then reconnects and tries again like the others.
 *
 * <p><b>Figures.</b> Table {@code modelgate_slo_figures}, one row per replica, alias and version,
 * replaced by each publication and stamped with the database's {@code now()}, so replicas' clocks
 * never meet. A row counts while it is younger than its alias's window: a replica that stopped
 * publishing (dead, or cut off) adds its last figures for one window at most, which is evidence
 * from inside the window. The leader deletes rows older than the longest window it judges.
 * {@code figures} is {@code {"requests":…,"failures":…,"latency_buckets":{"<index>":<count>,…}}},
 * the buckets of {@link WindowFigures}.
 */
public final class PostgresGuardFleet implements GuardFleet {
  /** Any constant shared by every modelgate; "mgleader" in ASCII. */
  static final long LEADER_LOCK = 0x6d67_6c65_6164_6572L;
  private static final Logger LOG = Logger.getLogger(PostgresGuardFleet.class.getName());
  private static final Duration MIN_PATIENCE = Duration.ofSeconds(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PUBLISH = """
      INSERT INTO modelgate_slo_figures (replica_id, model, alias, version, figures, published_at)
      VALUES ($1, $2, $3, $4, $5::text::json, now())
      ON CONFLICT (replica_id, model, alias, version) DO UPDATE SET figures = excluded.figures, published_at = excluded.published_at""";
  private static final String READ = """
      SELECT replica_id, model, alias, version, figures::text, (extract(epoch FROM now() - published_at) * 1000)::bigint
      FROM modelgate_slo_figures ORDER BY replica_id, model, alias, version""";
  private static final String DELETE_STALE = "DELETE FROM modelgate_slo_figures WHERE published_at < now() - make_interval(secs => $1)";

  private final Vertx vertx;
  private final Context context;
  private final PgConnectOptions options;
  private final String replicaId;
  private final Supplier<Duration> evaluationInterval;
  // Touched on the context only.
  private PgConnection connection;
  private boolean closed;
  private long timer = -1;
  private boolean warnedUnreachable;
  // Written on the context, read by the guard.
  private volatile boolean leads;

  private PostgresGuardFleet(Vertx vertx, PgConnectOptions options, String replicaId, Supplier<Duration> evaluationInterval) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.replicaId = replicaId;
    this.evaluationInterval = evaluationInterval;
  }

  /**
   * Starts trying for the lead; returns at once, connecting in the background.
   *
   * @param evaluationInterval the shortest evaluation interval of the guarded aliases, read before each attempt
   * @throws IllegalArgumentException naming the key when the URL or password variable cannot be used
   */
  public static PostgresGuardFleet start(Vertx vertx, StateConfig state, Function<String, String> environment, String replicaId,
      Supplier<Duration> evaluationInterval) {
    requireNonNull(vertx, "vertx");
    requireNonNull(replicaId, "replicaId");
    requireNonNull(evaluationInterval, "evaluationInterval");
    PostgresGuardFleet fleet = new PostgresGuardFleet(vertx, Database.connectOptions(state, environment, "modelgate-guard:" + replicaId),
        replicaId, evaluationInterval);
    fleet.context.runOnContext(v -> fleet.attempt());
    return fleet;
  }

  @Override
  public boolean leads() {
    return leads;
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public String replicaId() {
    return replicaId;
  }

  // On the context: one attempt at a time, each scheduling the next when it ends.
  private void attempt() {
    if (closed) {
      return;
    }
    PgConnection current = connection;
    if (current == null) {
      PgConnection.connect(vertx, options).onComplete(ar -> {
        if (closed) {
          if (ar.succeeded()) {
            ar.result().close();
          }
          return;
        }
        if (ar.failed()) {
          if (!warnedUnreachable) {
            warnedUnreachable = true;
            LOG.warning("slo guard: cannot reach PostgreSQL to lead or publish figures (" + Database.describe(ar.cause()) + "); retrying");
          }
          schedule();
          return;
        }
        warnedUnreachable = false;
        PgConnection opened = ar.result();
        connection = opened;
        opened.closeHandler(v -> drop(opened, "its connection to PostgreSQL closed"));
        opened.exceptionHandler(e -> LOG.fine(() -> "slo guard connection: " + Database.describe(e)));
        check(opened);
      });
      return;
    }
    check(current);
  }

  // The leader asks its session is alive; the others try for the lock. Unanswered within a period (a
  // second at least, so a busy database is not mistaken for a lost one): the session is given up.
  private void check(PgConnection current) {
    long patience = Math.max(MIN_PATIENCE.toMillis(), period());
    long deadline = vertx.setTimer(patience, id -> drop(current, "PostgreSQL did not answer within " + patience + " ms"));
    String sql = leads ? "SELECT true" : "SELECT pg_try_advisory_lock(" + LEADER_LOCK + ")";
    current.query(sql).execute().onComplete(ar -> {
      vertx.cancelTimer(deadline);
      if (ar.failed()) {
        drop(current, Database.describe(ar.cause()));
      } else if (connection == current && !leads && ar.result().iterator().next().getBoolean(0)) {
        leads = true;
        LOG.info(() -> "slo guard: replica " + replicaId + " now leads the fleet's SLO guard");
      }
      schedule();
    });
  }

  private void schedule() {
    if (!closed) {
      timer = vertx.setTimer(period(), id -> attempt());
    }
  }

  // Twice per interval: a timer that runs late under load still leaves the bound of two intervals whole.
  private long period() {
    return Math.max(1, evaluationInterval.get().toMillis() / 2);
  }

  private void drop(PgConnection lost, String why) {
    if (connection != lost) {
      return;
    }
    connection = null;
    if (leads) {
      leads = false;
      LOG.warning("slo guard: replica " + replicaId + " stops leading: " + why);
    }
    lost.close();
  }

  @Override
  public Future<List<ReplicaFigures>> exchange(List<AliasFigures> figures) {
    requireNonNull(figures, "figures");
    Promise<List<ReplicaFigures>> exchanged = Promise.promise();
    context.runOnContext(v -> exchangeOnContext(figures).onComplete(exchanged));
    return exchanged.future();
  }

  private Future<List<ReplicaFigures>> exchangeOnContext(List<AliasFigures> figures) {
    PgConnection current = connection;
    if (current == null) {
      return Future.failedFuture(new IOException("not connected to PostgreSQL"));
    }
    boolean leading = leads;
    List<Tuple> rows = new ArrayList<>();
    for (AliasFigures alias : figures) {
      alias.versions().forEach((version, counts) -> rows.add(Tuple.of(replicaId, alias.model(), alias.alias(), version, write(counts))));
    }
    Future<?> published = rows.isEmpty() ? Future.succeededFuture() : current.preparedQuery(PUBLISH).executeBatch(rows);
    if (!leading) {
      return published.map(done -> List.of());
    }
    Map<List<String>, Duration> windows = new HashMap<>();
    Duration longest = Duration.ZERO;
    for (AliasFigures alias : figures) {
      windows.put(List.of(alias.model(), alias.alias()), alias.window());
      longest = alias.window().compareTo(longest) > 0 ? alias.window() : longest;
    }
    double staleAfterSeconds = longest.toMillis() / 1000.0;
    return published
        .compose(done -> current.query(READ).execute())
        .map(read -> {
          List<ReplicaFigures> fresh = new ArrayList<>();
          for (Row row : read) {
            Duration window = windows.get(List.of(row.getString(1), row.getString(2)));
            if (window != null && row.getLong(5) < window.toMillis()) {
              fresh.add(new ReplicaFigures(row.getString(0), row.getString(1), row.getString(2), row.getString(3), read(row)));
            }
          }
          return fresh;
        })
        .compose(fresh -> current.preparedQuery(DELETE_STALE).execute(Tuple.of(staleAfterSeconds)).map(deleted -> fresh));
  }

  private static String write(WindowFigures figures) {
    ObjectNode json = JSON.createObjectNode();
    json.put("requests", figures.requests());
    json.put("failures", figures.failures());
    ObjectNode buckets = json.putObject("latency_buckets");
    figures.latencyCounts().forEach((index, count) -> buckets.put(Integer.toString(index), count));
    return json.toString();
  }

  private static WindowFigures read(Row row) {
    String where = "modelgate_slo_figures of replica " + row.getString(0) + ", " + row.getString(1) + ":" + row.getString(2)
        + " version " + row.getString(3);
    try {
      JsonNode json = JSON.readTree(row.getString(4));
      Map<Integer, Long> counts = new LinkedHashMap<>();
      json.path("latency_buckets").fields().forEachRemaining(bucket -> counts.put(Integer.parseInt(bucket.getKey()), bucket.getValue().asLong()));
      WindowFigures figures = WindowFigures.of(counts, json.path("failures").asLong());
      if (figures.requests() != json.path("requests").asLong()) {
        throw new IllegalArgumentException("requests: " + json.path("requests") + " (expected: " + figures.requests() + ", the latency buckets' sum)");
      }
      return figures;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(where + ": cannot be read: " + e.getMessage(), e);
    }
  }

  /** Stops trying; a held lock is freed with the session. */
  public Future<Void> close() {
    Promise<Void> closedPromise = Promise.promise();
    context.runOnContext(v -> {
      closed = true;
      vertx.cancelTimer(timer);
      PgConnection current = connection;
      connection = null;
      leads = false;
      (current == null ? Future.<Void>succeededFuture() : current.close()).onComplete(closedPromise);
    });
    return closedPromise.future();
  }
}
