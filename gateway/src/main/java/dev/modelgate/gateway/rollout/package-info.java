/**
 * The SLO guard's controller. {@link dev.modelgate.gateway.rollout.SloWindows} holds the
 * per-version windows, built with each routing table and fed from the request path;
 * {@link dev.modelgate.gateway.rollout.SloGuard} judges them with the pure decider on the control
 * context, restores what it knew after a restart from the control plane's
 * {@link dev.modelgate.core.rollout.GuardMemory}, and applies rollbacks through the ledger.
 * {@link dev.modelgate.gateway.rollout.GuardFleet} is who else's windows count and whether this
 * replica decides: a fleet of one for the file store, every replica's published figures (summed by
 * the leader) in PostgreSQL.
 */
package dev.modelgate.gateway.rollout;
