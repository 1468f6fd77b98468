package dev.modelgate.core.rollout;

import java.util.Locale;

/** What a rollout's gate says of the candidate's figures in its current phase. */
public enum Verdict {
  /** Enough requests, within the limits, and the phase's least time has passed: it may advance. */
  PASS,
  /** Over a limit; {@code breaches_to_revert} failing evaluations in a row roll it back. */
  FAIL,
  /** Too few requests, or too little time: the phase holds. Silence never promotes. */
  INCONCLUSIVE;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }
}
