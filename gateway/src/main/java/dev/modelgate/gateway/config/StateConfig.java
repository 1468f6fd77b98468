package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * The {@code state} section: where the audit ledger lives.
 *
 * @param kind {@link #FILE} or {@link #POSTGRES}
 * @param dir the ledger's directory when {@code kind} is {@code file}, otherwise {@code null}
 * @param url a {@code postgresql://} URL when {@code kind} is {@code postgres}, otherwise {@code null}
 */
public record StateConfig(String kind, Path dir, String url) {
  public static final String FILE = "file";
  public static final String POSTGRES = "postgres";
  public static final Path DEFAULT_DIR = Path.of("./data");

  public StateConfig {
    requireNonNull(kind, "kind");
  }

  /** The embedded default: a file ledger under {@code ./data}. */
  public static StateConfig defaults() {
    return new StateConfig(FILE, DEFAULT_DIR, null);
  }
}
