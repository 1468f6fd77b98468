package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * The {@code state} section: where the audit ledger lives.
 *
 * @param kind {@link #FILE} or {@link #POSTGRES}
 * @param dir the ledger's directory when {@code kind} is {@code file}, otherwise {@code null}
 * @param url a {@code postgresql://} URL without a password when {@code kind} is {@code postgres}, otherwise {@code null}
 * @param passwordEnv the environment variable holding the database password, or {@code null} for none
 * @param poolSize connections to the database for appends and queries (the LISTEN connection is one more)
 */
public record StateConfig(String kind, Path dir, String url, String passwordEnv, int poolSize) {
  public static final String FILE = "file";
  public static final String POSTGRES = "postgres";
  public static final Path DEFAULT_DIR = Path.of("./data");
  public static final int DEFAULT_POOL_SIZE = 4;

  public StateConfig {
    requireNonNull(kind, "kind");
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize: " + poolSize + " (expected: 1 or more)");
    }
  }

  /** The embedded default: a file ledger under {@code ./data}. */
  public static StateConfig defaults() {
    return file(DEFAULT_DIR);
  }

  /** A file ledger under {@code dir}. */
  public static StateConfig file(Path dir) {
    return new StateConfig(FILE, requireNonNull(dir, "dir"), null, null, DEFAULT_POOL_SIZE);
  }

  /** The PostgreSQL ledger at {@code url}, its password (if any) in the environment variable {@code passwordEnv}. */
  public static StateConfig postgres(String url, String passwordEnv, int poolSize) {
    return new StateConfig(POSTGRES, null, requireNonNull(url, "url"), passwordEnv, poolSize);
  }
}
