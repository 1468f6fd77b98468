/**
 * Automatic rollback and progressive rollouts: the pure decisions, applied by the gateway.
 *
 * <p>Rollback: start at {@link dev.modelgate.core.rollout.RolloutDecider#decide}, a pure function from the
 * alias, the window snapshots and the previous {@link dev.modelgate.core.rollout.RolloutState} to a
 * {@link dev.modelgate.core.rollout.Hold} or a {@link dev.modelgate.core.rollout.Rollback} carrying
 * the {@link dev.modelgate.core.rollout.Evidence} for the audit event. Applying the decision is the
 * gateway's job. {@link dev.modelgate.core.rollout.GuardMemory} is what the guard knows across a
 * restart: cooldowns from the ledger's {@code auto_rollback} events, breach runs from the saved
 * {@link dev.modelgate.core.rollout.BreachRuns}, mapped onto the decider's ticker.
 *
 * <p>Rollouts: start at {@link dev.modelgate.core.rollout.RolloutMachine}, which moves a
 * {@link dev.modelgate.core.rollout.Rollout} through its phases on the gate's
 * {@link dev.modelgate.core.rollout.GateFigures} or an operator's command, returning a
 * {@link dev.modelgate.core.rollout.Transition}, a {@link dev.modelgate.core.rollout.Stay} or a
 * {@link dev.modelgate.core.rollout.Refusal}. What an alias declares (its
 * {@link dev.modelgate.core.rollout.RolloutPlan}, segments and shadow) is a
 * {@link dev.modelgate.core.rollout.Delivery}, whose rules live in its {@code problems}.
 */
package dev.modelgate.core.rollout;
