package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Why a version was rolled back, complete enough to be written into the {@code auto_rollback}
 * audit event as it is.
 *
 * @param version the breaching version
 * @param window what it did within the window
 * @param stable the version the alias goes back to
 * @param stableWindow what stable did within the same window
 * @param policy the thresholds it was judged by
 * @param breached the rules it breached in the last evaluation, in declaration order
 * @param consecutiveBreaches failing evaluations in a row, this one included
 */
public record Evidence(
    String version,
    WindowSnapshot window,
    String stable,
    WindowSnapshot stableWindow,
    SloPolicy policy,
    Set<Rule> breached,
    int consecutiveBreaches) {

  public Evidence {
    requireNonNull(version, "version");
    requireNonNull(window, "window");
    requireNonNull(stable, "stable");
    requireNonNull(stableWindow, "stableWindow");
    requireNonNull(policy, "policy");
    if (breached.isEmpty()) {
      throw new IllegalArgumentException("breached: [] (expected: at least one rule)");
    }
    breached = Collections.unmodifiableSet(EnumSet.copyOf(breached));
  }
}
