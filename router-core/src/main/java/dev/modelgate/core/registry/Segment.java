package dev.modelgate.core.registry;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Messages;
import java.util.ArrayList;
import java.util.List;

/**
 * A named group of an alias's requests that can be routed apart from the rest (docs/configuration.md#segments),
 * such as internal users during a rollout's segment phase.
 *
 * @param name shown to clients in {@code x-modelgate-segment}
 * @param match which requests belong to it
 */
public record Segment(String name, Match match) {

  public Segment {
    requireNonNull(name, "name");
    requireNonNull(match, "match");
  }

  /**
   * Every problem with how this segment matches, each as {@code key: what (expected: …)} with the
   * config file's key under the segment ({@code header}, {@code values[1]}, {@code prefix}, …).
   */
  public List<String> matchProblems() {
    List<String> problems = new ArrayList<>();
    if (match instanceof HeaderValues header) {
      if (header.header().isEmpty() || !StickyKey.isToken(header.header())) {
        problems.add("header: " + Messages.quote(header.header()) + " is not a header name (expected: letters, digits, - _ ., e.g. x-user-tier)");
      }
      if (header.values().isEmpty()) {
        problems.add("values: is empty (expected: the header values that belong to the segment, e.g. [internal, staff])");
      }
      for (int i = 0; i < header.values().size(); i++) {
        String value = header.values().get(i);
        if (value.isEmpty()) {
          problems.add("values[" + i + "]: is empty (expected: a header value, e.g. internal)");
        } else if (header.values().indexOf(value) < i) {
          problems.add("values[" + i + "]: " + Messages.quote(value) + " is listed twice");
        }
      }
    } else if (match instanceof BodyPrefix body) {
      if (body.field().isEmpty() || !StickyKey.isToken(body.field())) {
        problems.add("body: " + Messages.quote(body.field()) + " is not a field name (expected: a top-level field of the JSON body, e.g. user)");
      }
      if (body.prefix().isEmpty()) {
        problems.add("prefix: is empty (expected: the start of the field's value, e.g. emp-)");
      }
    }
    return problems;
  }

  /** How a request is recognised as a member. */
  public sealed interface Match permits HeaderValues, BodyPrefix {}

  /**
   * A request header whose value is exactly one of {@code values}.
   *
   * @param header lower case, as HTTP/2 and Netty's lookups expect
   */
  public record HeaderValues(String header, List<String> values) implements Match {
    public HeaderValues {
      requireNonNull(header, "header");
      values = List.copyOf(values);
    }

    @Override
    public String toString() {
      return "header " + header + " in " + values;
    }
  }

  /** A top-level string field of the JSON body that starts with {@code prefix}. */
  public record BodyPrefix(String field, String prefix) implements Match {
    public BodyPrefix {
      requireNonNull(field, "field");
      requireNonNull(prefix, "prefix");
    }

    @Override
    public String toString() {
      return "body " + field + " starting with " + prefix;
    }
  }
}
