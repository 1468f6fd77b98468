package dev.modelgate.core.sync;

import java.util.Locale;

/** What a followed alias does when the registry alias moves to another version. */
public enum OnNewVersion {
  /** Rolls out to it by the alias's rollout plan, judged step by step. */
  ROLLOUT,
  /** Sends it 100 % at once; it becomes stable. */
  SWITCH;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** {@code rollout} or {@code switch}, as the config file writes it. */
  public String wireName() {
    return wireName;
  }
}
