package dev.modelgate.gateway.config;

import java.util.List;

/**
 * A config file that cannot be used, with every problem found in it, each naming its place:
 * {@code models.support-agent.aliases.production.weights: sum is 95 (expected: 100)}.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final transient List<String> problems;

  /**
   * @param source the file name (or another name of the text) the problems were found in
   * @param problems at least one
   */
  public ConfigException(String source, List<String> problems) {
    super(message(source, problems));
    this.source = source;
    this.problems = List.copyOf(problems);
  }

  public String source() {
    return source;
  }

  public List<String> problems() {
    return problems;
  }

  private static String message(String source, List<String> problems) {
    StringBuilder message = new StringBuilder(source)
        .append(": ")
        .append(problems.size())
        .append(problems.size() == 1 ? " problem:" : " problems:");
    for (String problem : problems) {
      message.append("\n  - ").append(problem);
    }
    return message.toString();
  }
}
