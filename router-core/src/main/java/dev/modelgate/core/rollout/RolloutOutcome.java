package dev.modelgate.core.rollout;

/** What {@link RolloutMachine} decided: a {@link Transition}, a {@link Stay} or a {@link Refusal}. */
public sealed interface RolloutOutcome permits Transition, Stay, Refusal {}
