/**
 * Automatic rollback: whether an alias's canaries breach its SLO policy.
 *
 * <p>Start at {@link dev.modelgate.core.rollout.RolloutDecider#decide}, a pure function from the
 * alias, the window snapshots and the previous {@link dev.modelgate.core.rollout.RolloutState} to a
 * {@link dev.modelgate.core.rollout.Hold} or a {@link dev.modelgate.core.rollout.Rollback} carrying
 * the {@link dev.modelgate.core.rollout.Evidence} for the audit event. Applying the decision is the
 * gateway's job. {@link dev.modelgate.core.rollout.GuardMemory} is what the guard knows across a
 * restart: cooldowns from the ledger's {@code auto_rollback} events, breach runs from the saved
 * {@link dev.modelgate.core.rollout.BreachRuns}, mapped onto the decider's ticker.
 */
package dev.modelgate.core.rollout;
