package dev.modelgate.core.rollout;

import java.util.Locale;

/** The kind of traffic a rollout's candidate sees, in the order a rollout goes through them. */
public enum RolloutPhase {
  /** A copy of a share of requests; the candidate serves none. */
  SHADOW,
  /** All of one segment's requests, none of the others'. */
  SEGMENT,
  /** Its step's percent of every request. */
  STEP;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }
}
