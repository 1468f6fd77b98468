package dev.modelgate.core;

/** How a message quotes user input: the config loader, the admin API and the parsers say it alike. */
public final class Messages {
  public static final int MAX_QUOTED = 80;

  private Messages() {}

  /**
   * {@code text} in single quotes for a message: control characters escaped so a problem stays on
   * one line, and cut short so a pasted blob does not drown the others.
   */
  public static String quote(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_QUOTED) + 8).append('\'');
    for (int i = 0; i < text.length(); i++) {
      if (i == MAX_QUOTED) {
        out.append("…");
        break;
      }
      char c = text.charAt(i);
      switch (c) {
        case '\n':
          out.append("\\n");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\r':
          out.append("\\r");
          break;
        default:
          if (Character.isISOControl(c)) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    return out.append('\'').toString();
  }
}
