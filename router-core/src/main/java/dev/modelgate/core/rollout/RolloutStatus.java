package dev.modelgate.core.rollout;

import java.util.Locale;

/** Where a rollout stands; {@link #wireName()} is its name in the admin API and the ledger. */
public enum RolloutStatus {
  /** Judged every evaluation; advances on a passing gate. */
  RUNNING,
  /** Held at its step by an operator; still rolled back on a breach. */
  PAUSED,
  /** Its step passed; the next step waits for an operator's approval. Still rolled back on a breach. */
  AWAITING_APPROVAL,
  /** The candidate took 100 % and became stable. */
  COMPLETED,
  /** An operator stopped it; the previous stable version has 100 % again. */
  ABORTED,
  /** The candidate breached its SLO; the previous stable version has 100 % again. */
  ROLLED_BACK;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  /** Whether the rollout is over: nothing moves it any more. */
  public boolean isTerminal() {
    return this == COMPLETED || this == ABORTED || this == ROLLED_BACK;
  }
}
