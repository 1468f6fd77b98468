package dev.modelgate.core;

import static java.util.Objects.requireNonNull;

/**
 * What a request's {@code model} field asks for: {@code name} (the model's default alias),
 * {@code name:alias} or {@code name@alias}, or {@code name:vN} / {@code name@vN} (a pinned version).
 * Model names cannot hold {@code :} or {@code @}, so the first of either splits the two parts.
 *
 * @param name the model name
 * @param alias the alias, or {@code null} for the default alias or when a version is pinned
 * @param version the pinned version id, or {@code null}
 */
public record ModelRef(String name, String alias, String version) {

  public ModelRef {
    requireNonNull(name, "name");
    if (alias != null && version != null) {
      throw new IllegalArgumentException("a model reference names an alias or a version, not both");
    }
  }

  public boolean isPinned() {
    return version != null;
  }

  /**
   * Parses a {@code model} field.
   *
   * @throws InvalidModelRefException naming what is wrong with it
   */
  public static ModelRef parse(String text) {
    requireNonNull(text, "text");
    int split = -1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == ':' || c == '@') {
        split = i;
        break;
      }
    }
    String name = split < 0 ? text : text.substring(0, split);
    String problem = Names.modelNameProblem(name);
    if (problem != null) {
      throw new InvalidModelRefException(problem);
    }
    if (split < 0) {
      return new ModelRef(name, null, null);
    }
    String suffix = text.substring(split + 1);
    if (suffix.isEmpty()) {
      throw new InvalidModelRefException("nothing after '" + text.charAt(split) + "' (expected: an alias or a version such as v3)");
    }
    if (Names.isVersionId(suffix)) {
      return new ModelRef(name, null, suffix);
    }
    problem = Names.aliasNameProblem(suffix);
    if (problem != null) {
      throw new InvalidModelRefException(problem);
    }
    return new ModelRef(name, suffix, null);
  }

  @Override
  public String toString() {
    if (version != null) {
      return name + ":" + version;
    }
    return alias == null ? name : name + ":" + alias;
  }

  /** A {@code model} field that cannot name anything. Stackless: hostile input must stay cheap. */
  public static final class InvalidModelRefException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidModelRefException(String message) {
      super(message, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
