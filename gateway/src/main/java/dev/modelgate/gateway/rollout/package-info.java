/**
 * The SLO guard's and the rollouts' controllers. {@link dev.modelgate.gateway.rollout.SloWindows} holds the
 * per-version windows, built with each routing table and fed from the request path;
 * {@link dev.modelgate.gateway.rollout.SloGuard} judges them with the pure decider on the control
 * context, restores what it knew after a restart from the control plane's
 * {@link dev.modelgate.core.rollout.GuardMemory}, and applies rollbacks through the ledger.
 * {@link dev.modelgate.gateway.rollout.GuardFleet} is who else's windows count and whether this
 * replica decides: a fleet of one for the file store, every replica's published figures (summed by
 * the leader) in PostgreSQL.
 *
 * <p>Rollouts: {@link dev.modelgate.gateway.rollout.RolloutDriver} judges each alias being rolled
 * out with the pure {@link dev.modelgate.core.rollout.RolloutMachine}, handed the fleet's windows by
 * the guard on the leader, and writes each transition through the control plane;
 * {@link dev.modelgate.gateway.rollout.RolloutPlans} holds the config file's plans, read when a
 * rollout starts.
 */
package dev.modelgate.gateway.rollout;
