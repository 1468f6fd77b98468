package dev.modelgate.core.rollout;

/** What one evaluation of an alias decided; the caller keeps {@link #next} for the next one. */
public sealed interface Decision permits Hold, Rollback {
  RolloutState next();
}
