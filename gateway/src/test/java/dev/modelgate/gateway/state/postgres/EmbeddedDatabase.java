package dev.modelgate.gateway.state.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL (embedded, from Maven) for every test of this JVM, started on first use and
 * stopped when the JVM exits; each test takes a database of its own from it, so none sees another's
 * tables. It listens on loopback only.
 */
public final class EmbeddedDatabase {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static EmbeddedPostgres server;

  private EmbeddedDatabase() {}

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start: " + e.getMessage(), e);
      }
      EmbeddedPostgres started = server;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.close();
        } catch (IOException e) {
          // The JVM is exiting; the server's data directory is a temporary one.
        }
      }));
    }
    return server;
  }

  /** A new, empty database; returns its {@code postgresql://} URL (user {@code postgres}, no password). */
  public static String newDatabase() {
    String name = "modelgate_test_" + ProcessHandle.current().pid() + "_" + NAMES.incrementAndGet();
    execute("CREATE DATABASE " + name);
    return url(name);
  }

  public static String url(String database) {
    return "postgresql://postgres@127.0.0.1:" + server().getPort() + "/" + database;
  }

  /** Runs one statement as the superuser in the {@code postgres} database, e.g. to end a session. */
  public static void execute(String sql) {
    try (Connection connection = server().getPostgresDatabase().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** The number one query answers, run as the superuser in the {@code postgres} database (e.g. over {@code pg_stat_activity}). */
  public static long number(String sql) {
    try (Connection connection = server().getPostgresDatabase().getConnection(); Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      result.next();
      return result.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Runs one statement as the superuser in {@code database}. */
  public static void execute(String database, String sql) {
    try (Connection connection = server().getDatabase("postgres", database).getConnection(); Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** The number one query answers, run as the superuser in {@code database}. */
  public static long number(String database, String sql) {
    return Long.parseLong(text(database, sql));
  }

  /** The text of the first column of the first row one query answers, run as the superuser in {@code database}. */
  public static String text(String database, String sql) {
    try (Connection connection = server().getDatabase("postgres", database).getConnection(); Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      if (!result.next()) {
        throw new IllegalStateException(sql + ": no row");
      }
      return result.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }
}
