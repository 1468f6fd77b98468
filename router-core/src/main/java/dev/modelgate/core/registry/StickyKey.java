package dev.modelgate.core.registry;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Where a request's sticky key is read from: a request header ({@code header:x-session-id}) or a
 * top-level string field of the JSON body ({@code body:user}).
 */
public record StickyKey(Source source, String name) {
  public enum Source { HEADER, BODY }

  public StickyKey {
    requireNonNull(source, "source");
    requireNonNull(name, "name");
  }

  /**
   * Parses {@code header:NAME} or {@code body:FIELD}.
   *
   * @throws IllegalArgumentException with the expected form
   */
  public static StickyKey parse(String text) {
    int colon = text.indexOf(':');
    String name = colon < 0 ? "" : text.substring(colon + 1);
    if (colon > 0 && !name.isEmpty() && isToken(name)) {
      switch (text.substring(0, colon)) {
        case "header":
          return new StickyKey(Source.HEADER, name.toLowerCase(Locale.ROOT));
        case "body":
          return new StickyKey(Source.BODY, name);
        default:
          break;
      }
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a sticky key (expected: header:<name> or body:<field>, e.g. header:x-session-id)");
  }

  /** Whether {@code s} is made of the letters, digits and {@code - _ .} that header and field names use here. */
  static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return (source == Source.HEADER ? "header:" : "body:") + name;
  }
}
