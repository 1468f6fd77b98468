package dev.modelgate.core;

import java.util.Collection;
import java.util.Optional;

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

  /**
   * The known name {@code name} is most likely a typo of, for "did you mean …?": within one edit,
   * or two for names of six letters or more (a swapped or missing pair of letters); on short names
   * two edits would match anything.
   */
  public static Optional<String> closest(String name, Collection<String> known) {
    int allowed = Math.max(1, Math.min(2, name.length() / 3));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      if (Math.abs(candidate.length() - name.length()) > allowed) {
        continue;
      }
      int distance = distance(name, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
