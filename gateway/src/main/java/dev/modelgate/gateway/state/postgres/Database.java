package dev.modelgate.gateway.state.postgres;

import dev.modelgate.gateway.config.StateConfig;
import dev.modelgate.gateway.state.AppendConflictException;
import dev.modelgate.gateway.state.StateUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** How this package reaches PostgreSQL: connect options from the config, and waiting on the reactive client's answers. */
final class Database {
  /** Longest wait for one answer; past it the ledger call fails rather than hold the one writer forever. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private Database() {}

  /**
   * Connect options for {@code state.url} with the password from {@code state.password_env}, the
   * connections named {@code applicationName} in {@code pg_stat_activity}.
   *
   * @throws IllegalArgumentException naming the key when the URL cannot be used or the password variable is unset
   */
  static PgConnectOptions connectOptions(StateConfig state, Function<String, String> environment, String applicationName) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(state.url());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("state.url: cannot be used: " + e.getMessage() + " (expected: postgresql://user@host:5432/database)", e);
    }
    if (state.passwordEnv() != null) {
      String password = environment.apply(state.passwordEnv());
      if (password == null || password.isEmpty()) {
        throw new IllegalArgumentException("state.password_env: environment variable " + state.passwordEnv() + " is not set");
      }
      options.setPassword(password);
    }
    options.addProperty("application_name", applicationName);
    return options;
  }

  /**
   * Waits for {@code future} at most {@link #TIMEOUT}. A timed-out write may still commit later;
   * whoever appends next then finds its seq taken and folds it.
   *
   * @throws StateUnavailableException when PostgreSQL cannot be reached, or did not answer in time
   * @throws IOException saying what was being done and what PostgreSQL answered
   */
  static <T> T await(Future<T> future, String doing) throws IOException {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("blocking on PostgreSQL on an event loop while " + doing);
    }
    try {
      return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new StateUnavailableException("state: PostgreSQL did not answer within " + TIMEOUT.toSeconds() + " s while " + doing, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("state: interrupted while " + doing);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof AppendConflictException || cause instanceof Refusal) {
        throw (IOException) cause;
      }
      String failed = "state: PostgreSQL failed while " + doing + ": " + describe(cause);
      throw isUnreachable(cause) ? new StateUnavailableException(failed, cause) : new IOException(failed, cause);
    }
  }

  /** A failure this package decided on (rather than the driver or the database), passed on as it is. */
  static final class Refusal extends IOException {
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
      super(message);
    }
  }

  static String describe(Throwable failure) {
    if (failure instanceof PgException pg) {
      return pg.getErrorMessage() + " (SQLSTATE " + pg.getSqlState() + ")";
    }
    return String.valueOf(failure.getMessage() == null ? failure : failure.getMessage());
  }

  /**
   * Whether a failure means the database is out of reach rather than refusing a statement: anything
   * the connection fails with (refused, reset, closed: an I/O or Vert.x exception), and PostgreSQL's own
   * connection errors (class 08) and shutdown notices (57P01–57P03: administrator or crash shutdown, starting up).
   */
  static boolean isUnreachable(Throwable failure) {
    if (failure instanceof PgException pg) {
      String state = pg.getSqlState();
      return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }
    return failure instanceof IOException || failure instanceof VertxException;
  }

  static boolean isUniqueViolation(Throwable failure) {
    return failure instanceof PgException pg && "23505".equals(pg.getSqlState());
  }
}
