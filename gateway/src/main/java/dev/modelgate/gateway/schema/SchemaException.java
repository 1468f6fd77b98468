package dev.modelgate.gateway.schema;

/**
 * A JSON document that does not fit its shape: {@code path: problem (expected: …)}, where the path
 * names the key ({@code after.weights.v9}, {@code endpoints[1]}; empty for the document itself).
 * The admin API answers it with a 400; the ledger refuses the line.
 */
public final class SchemaException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final String problem;

  public SchemaException(String path, String problem) {
    super(path.isEmpty() ? problem : path + ": " + problem, null);
    this.path = path;
    this.problem = problem;
  }

  /** The dotted path of the key at fault, {@code ""} for the whole document. */
  public String path() {
    return path;
  }

  /** This problem as seen from a document that holds this one under {@code parent}. */
  SchemaException under(String parent) {
    if (parent.isEmpty()) {
      return this;
    }
    return new SchemaException(path.isEmpty() ? parent : path.startsWith("[") ? parent + path : parent + "." + path, problem);
  }
}
