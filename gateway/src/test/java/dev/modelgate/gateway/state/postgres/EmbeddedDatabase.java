package dev.modelgate.gateway.state.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * One real PostgreSQL (embedded, from Maven) for every test of this JVM, started on first use and
 * stopped when the JVM exits; each test takes a database of its own from it, so none sees another's
 * tables. It listens on loopback only. A test that stops the database takes a {@link Stoppable} server
 * of its own instead, so the others' go on.
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
    String name = newName();
    execute("CREATE DATABASE " + name);
    return url(name);
  }

  private static String newName() {
    return "modelgate_test_" + ProcessHandle.current().pid() + "_" + NAMES.incrementAndGet();
  }

  public static String url(String database) {
    return url(server().getPort(), database);
  }

  private static String url(int port, String database) {
    return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
  }

  /**
   * A PostgreSQL server of one test's own, which it can stop (fast shutdown: sessions are ended, as
   * when a database fails over or restarts) and start again on the same data directory and port, so
   * what was committed is there again and clients reconnect to the same URL.
   */
  public static final class Stoppable implements AutoCloseable {
    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgres running;

    /** Starts a new server on a free loopback port, its data in {@code dataDirectory} (kept across stops). */
    public Stoppable(Path dataDirectory) throws IOException {
      this.dataDirectory = dataDirectory;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        this.port = socket.getLocalPort();
      }
      start();
    }

    public synchronized void start() throws IOException {
      if (running == null) {
        running = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").setPort(port)
            .setDataDirectory(dataDirectory).setCleanDataDirectory(false).start();
      }
    }

    /** Stops the server; every session ends and new connections are refused until {@link #start}. */
    public synchronized void stop() throws IOException {
      if (running != null) {
        running.close();
        running = null;
      }
    }

    /** A new, empty database on this server; its {@code postgresql://} URL. */
    public synchronized String newDatabase() {
      String name = newName();
      EmbeddedDatabase.execute(running.getPostgresDatabase(), "CREATE DATABASE " + name);
      return url(port, name);
    }

    @Override
    public void close() throws IOException {
      stop();
    }
  }

  /** Runs one statement as the superuser in the {@code postgres} database, e.g. to end a session. */
  public static void execute(String sql) {
    execute(server().getPostgresDatabase(), sql);
  }

  private static void execute(DataSource database, String sql) {
    try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
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
    execute(server().getDatabase("postgres", database), sql);
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
