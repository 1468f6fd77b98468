package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether an alias's non-stable versions breach its SLO policy (docs/configuration.md#slo): a pure function of the
 * alias, the window snapshots, the previous {@link RolloutState} and the time, so the controller can
 * decide, swap the alias, and only then audit, log and call webhooks.
 *
 * <p>Each non-stable version with weight above 0 and at least {@code min_requests} requests in its
 * window is judged; any other version, stable included, is not, and silence never rolls back. A
 * judged version breaches when its error rate is over {@code max_error_rate} or its p99 over
 * {@code max_p99_latency}, strictly. With {@code relative_to_stable}, a rule is breached only if the
 * version is also more than that factor worse than stable on the same measure, so an outage shared
 * by every version does not blame the canary. When stable itself has fewer than
 * {@code min_requests} there is no baseline, and the absolute thresholds alone decide: a canary that
 * carries most of the traffic must not escape the guard because stable is quiet.
 *
 * <p>A version is rolled back after {@code breaches_to_revert} failing evaluations in a row. An
 * evaluation that does not judge it (too few requests, weight 0) ends its run like a healthy one:
 * consecutive means consecutive evaluations, and only evidence extends a run. If several versions
 * reach the count together, one rollback covers them all.
 *
 * <p>For {@code cooldown} after a rollback the decider holds without judging and keeps no runs: an
 * operator who puts a canary back during the cooldown is in charge of it, and the guard starts
 * afresh once the cooldown has passed. Nothing here ever promotes a version back.
 *
 * <p>Runs brought back after a restart ({@link RolloutState#restoredAtNanos}) meet windows that
 * restarted empty: for one {@code window}, the time the same traffic takes to fill them again, an
 * evaluation that cannot judge a version for too few requests keeps its run rather than ending it.
 * A restart is not the canary going quiet, so it neither extends a run nor forgives one.
 */
public final class RolloutDecider {

  private RolloutDecider() {}

  /**
   * @param windows version → its window now; a version without one has had no requests
   * @param nowNanos the same ticker's time as {@link RolloutState#lastRollbackNanos}
   * @throws IllegalArgumentException if the alias has no SLO policy
   */
  public static Decision decide(Alias alias, Map<String, WindowSnapshot> windows, RolloutState state, long nowNanos) {
    requireNonNull(alias, "alias");
    requireNonNull(windows, "windows");
    requireNonNull(state, "state");
    SloPolicy policy = alias.slo();
    if (policy == null) {
      throw new IllegalArgumentException("alias " + alias.name() + " has no slo policy to decide by");
    }
    Long lastRollback = state.lastRollbackNanos();
    if (lastRollback != null && nowNanos - lastRollback < policy.cooldown().toNanos()) {
      return new Hold(new RolloutState(Map.of(), lastRollback));
    }
    Long restoredAt = state.restoredAtNanos();
    if (restoredAt != null && nowNanos - restoredAt >= policy.window().toNanos()) {
      restoredAt = null;
    }
    WindowSnapshot stableWindow = windows.getOrDefault(alias.stable(), WindowSnapshot.EMPTY);
    Map<String, Integer> runs = new HashMap<>();
    List<Evidence> evidence = new ArrayList<>();
    for (Map.Entry<String, Integer> weight : alias.weights().entrySet()) {
      String version = weight.getKey();
      WindowSnapshot window = windows.getOrDefault(version, WindowSnapshot.EMPTY);
      if (version.equals(alias.stable()) || weight.getValue() == 0) {
        continue;
      }
      if (window.requests() < policy.minRequests()) {
        if (restoredAt != null && state.consecutiveBreaches(version) > 0) {
          runs.put(version, state.consecutiveBreaches(version));
        }
        continue;
      }
      Set<Rule> breached = breached(policy, window, stableWindow);
      if (breached.isEmpty()) {
        continue;
      }
      int run = state.consecutiveBreaches(version) + 1;
      runs.put(version, run);
      if (run >= policy.breachesToRevert()) {
        evidence.add(new Evidence(version, window, alias.stable(), stableWindow, policy, breached, run));
      }
    }
    if (!evidence.isEmpty()) {
      return new Rollback(evidence, new RolloutState(Map.of(), nowNanos));
    }
    return new Hold(new RolloutState(runs, lastRollback, runs.isEmpty() ? null : restoredAt));
  }

  /** The rules {@code window} breaches; shared with {@link RolloutMachine}, which judges a rollout's candidate alike. */
  static Set<Rule> breached(SloPolicy policy, WindowSnapshot window, WindowSnapshot stable) {
    Double factor = stable.requests() >= policy.minRequests() ? policy.relativeToStable() : null;
    Set<Rule> breached = EnumSet.noneOf(Rule.class);
    if (window.errorRate() > policy.maxErrorRate()
        && (factor == null || window.errorRate() > factor * stable.errorRate())) {
      breached.add(Rule.ERROR_RATE);
    }
    if (window.p99().compareTo(policy.maxP99Latency()) > 0
        && (factor == null || window.p99().toNanos() > factor * stable.p99().toNanos())) {
      breached.add(Rule.P99_LATENCY);
    }
    return breached;
  }
}
