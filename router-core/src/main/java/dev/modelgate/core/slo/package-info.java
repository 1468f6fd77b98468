/**
 * SLO measurement: the policy an alias declares and what each version did within its window.
 *
 * <p>Start at {@link dev.modelgate.core.slo.SloWindow}, recorded on the request path and read as a
 * {@link dev.modelgate.core.slo.WindowSnapshot} by the evaluation loop, and at
 * {@link dev.modelgate.core.slo.SloPolicy} for the thresholds. {@link
 * dev.modelgate.core.slo.WindowFigures} are a window's counts, which the replicas of a fleet sum exactly. Judging the snapshots is
 * {@code dev.modelgate.core.rollout}'s job.
 */
package dev.modelgate.core.slo;
