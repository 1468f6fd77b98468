package dev.modelgate.core;

/**
 * The naming rules of the registry (docs/configuration.md), shared by the request parser, the config loader and
 * the admin API so that a name accepted in one place is accepted everywhere.
 *
 * <p>Hand-written scanners rather than regular expressions: {@link ModelRef#parse} runs them on
 * every request whose {@code model} is not already in the routing table.
 */
public final class Names {
  public static final int MAX_MODEL_NAME = 128;
  public static final int MAX_ALIAS_NAME = 64;
  private static final int MAX_VERSION_DIGITS = 9;

  private Names() {}

  /** Why {@code name} is not a valid model name, or {@code null} when it is. */
  public static String modelNameProblem(String name) {
    if (name.isEmpty()) {
      return "model name is empty";
    }
    if (name.length() > MAX_MODEL_NAME) {
      return "model name is " + name.length() + " characters long (expected: at most " + MAX_MODEL_NAME + ")";
    }
    if (!isLetterOrDigit(name.charAt(0))) {
      return "model name must start with a letter or digit";
    }
    int segmentStart = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!isLetterOrDigit(c) && c != '.' && c != '_' && c != '-' && c != '/') {
        return "model name has the character " + describe(c) + " (expected: A-Z a-z 0-9 . _ - /)";
      }
      if (c == '/') {
        String segment = name.substring(segmentStart, i);
        String problem = segmentProblem(segment);
        if (problem != null) {
          return problem;
        }
        segmentStart = i + 1;
      }
    }
    return segmentProblem(name.substring(segmentStart));
  }

  // Names become URL path segments in the admin API: empty, "." and ".." segments would be ambiguous.
  private static String segmentProblem(String segment) {
    if (segment.isEmpty()) {
      return "model name has an empty path segment";
    }
    if (segment.equals(".") || segment.equals("..")) {
      return "model name has a '" + segment + "' path segment";
    }
    return null;
  }

  /** Why {@code alias} is not a valid alias name, or {@code null} when it is. */
  public static String aliasNameProblem(String alias) {
    String problem = labelProblem("alias", alias);
    if (problem == null && looksLikeVersionId(alias)) {
      return "alias '" + alias + "' looks like a version id (expected: a name that is not v<number>)";
    }
    return problem;
  }

  /** Why {@code segment} is not a valid segment name, or {@code null}: the alias rule, since it shows in a header. */
  public static String segmentNameProblem(String segment) {
    return labelProblem("segment", segment);
  }

  private static String labelProblem(String kind, String label) {
    if (label.isEmpty()) {
      return kind + " is empty";
    }
    if (label.length() > MAX_ALIAS_NAME) {
      return kind + " is " + label.length() + " characters long (expected: at most " + MAX_ALIAS_NAME + ")";
    }
    if (!isLetterOrDigit(label.charAt(0))) {
      return kind + " must start with a letter or digit";
    }
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      if (!isLetterOrDigit(c) && c != '.' && c != '_' && c != '-') {
        return kind + " has the character " + describe(c) + " (expected: A-Z a-z 0-9 . _ -)";
      }
    }
    return null;
  }

  // Wider than isVersionId: v01 or a ten-digit v1234567890 is no version, but as an alias it would
  // read as one (name:v01 next to name:v1), so the alias rule refuses every v<digits>.
  private static boolean looksLikeVersionId(String s) {
    if (s.length() < 2 || s.charAt(0) != 'v') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Why {@code version} is not a valid version id ({@code v1}, {@code v2}, …), or {@code null}. */
  public static String versionIdProblem(String version) {
    return isVersionId(version) ? null : "version id " + Messages.quote(version) + " is not of the form v<number> (e.g. v7)";
  }

  /** {@code v} followed by 1–9 digits without a leading zero (v0 is allowed). */
  public static boolean isVersionId(String s) {
    int n = s.length();
    if (n < 2 || n > 1 + MAX_VERSION_DIGITS || s.charAt(0) != 'v') {
      return false;
    }
    if (s.charAt(1) == '0' && n > 2) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** The numeric part of a valid version id, for ordering versions. */
  public static int versionNumber(String version) {
    return Integer.parseInt(version, 1, version.length(), 10);
  }

  private static boolean isLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static String describe(char c) {
    if (c >= 0x21 && c < 0x7f) {
      return "'" + c + "'";
    }
    return String.format("U+%04X", (int) c);
  }
}
