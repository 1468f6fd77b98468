package dev.modelgate.core.registry;

import java.util.List;

/** A candidate registry broke one or more rules; {@link #problems()} lists each with its path. */
public final class InvalidRegistryException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems;

  public InvalidRegistryException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
