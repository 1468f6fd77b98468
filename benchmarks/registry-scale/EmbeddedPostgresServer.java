import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL of benchmarks/registry-scale.sh: the embedded one the tests use (binaries from the
 * Maven repository, no installed server), on 127.0.0.1 only. Prints one line, the port, once it
 * answers, then runs until its standard input closes, and stops the server.
 *
 * <p>Run as a single-file program: {@code java -cp <gateway's test classpath> EmbeddedPostgresServer.java}.
 * With arguments, each is a database to create first.
 */
public final class EmbeddedPostgresServer {
  public static void main(String[] databases) throws IOException, SQLException {
    try (EmbeddedPostgres server = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start()) {
      try (Connection connection = server.getPostgresDatabase().getConnection(); Statement statement = connection.createStatement()) {
        for (String database : databases) {
          statement.execute("CREATE DATABASE " + database);
        }
      }
      System.out.println(server.getPort());
      System.out.flush();
      while (System.in.read() != -1) {
        // Nothing to read: the caller closes standard input to stop the server.
      }
    }
  }
}
