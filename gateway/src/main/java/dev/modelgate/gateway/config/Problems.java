package dev.modelgate.gateway.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every problem found in one config text, in the order found, each named by its dotted path.
 *
 * <p>The walk keeps going after a problem so the user sees them all at once, which means it builds
 * the registry from placeholders (an empty artifact, an empty endpoint list, a {@code null}
 * weight) where the text was wrong. {@link dev.modelgate.core.registry.RegistryRules} would then
 * report those placeholders a second time, so its problems at or below a path already reported, or
 * at a path marked with {@link #spoil}, are dropped: each mistake is reported once, where it is.
 */
final class Problems {
  private final List<String> messages = new ArrayList<>();
  private final Set<String> reported;

  Problems() {
    this(new HashSet<>());
  }

  private Problems(Set<String> reported) {
    this.reported = reported;
  }

  /**
   * Problems found ahead of their turn (the models, read while the YAML is still being walked):
   * they share this list's reported paths, and {@link #addDeferred} lists them where the readers
   * would have found them.
   */
  Problems deferred() {
    return new Problems(reported);
  }

  /** Lists what {@code deferred} (from {@link #deferred}) found, after everything found so far. */
  void addDeferred(Problems deferred) {
    if (deferred.reported != reported) {
      throw new IllegalArgumentException("problems not deferred from these (expected: the result of deferred())");
    }
    messages.addAll(deferred.messages);
    deferred.messages.clear();
  }

  /** Records {@code path: what}, unless a problem at {@code path} is already recorded. */
  void add(String path, String what) {
    if (reported.add(path)) {
      messages.add(path + ": " + what);
    }
  }

  /** Records a problem that has a place in the text but no path, such as a YAML syntax error. */
  void addUnplaced(String what) {
    messages.add(what);
  }

  /** Marks {@code path} as already explained by a problem recorded elsewhere. */
  void spoil(String path) {
    reported.add(path);
  }

  /** Appends the registry rules' problems that do not repeat one already recorded. */
  void addRegistryProblems(List<String> found) {
    for (String problem : found) {
      if (!repeatsReported(problem)) {
        messages.add(problem);
      }
    }
  }

  private boolean repeatsReported(String problem) {
    for (String path : reported) {
      if (problem.startsWith(path + ": ") || problem.startsWith(path + ".") || problem.startsWith(path + "[")) {
        return true;
      }
    }
    return false;
  }

  boolean isEmpty() {
    return messages.isEmpty();
  }

  List<String> list() {
    return List.copyOf(messages);
  }
}
