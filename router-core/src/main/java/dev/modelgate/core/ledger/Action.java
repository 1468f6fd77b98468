package dev.modelgate.core.ledger;

import java.util.Locale;

/** What an audit event did (docs/admin-api.md); {@link #wireName()} is its name in JSON and in queries. */
public enum Action {
  REGISTER_VERSION,
  SET_WEIGHTS,
  PROMOTE,
  ROLLBACK,
  AUTO_ROLLBACK,
  CONFIG,
  ROLLOUT_STARTED,
  ROLLOUT_ADVANCED,
  ROLLOUT_PAUSED,
  ROLLOUT_RESUMED,
  ROLLOUT_APPROVED,
  ROLLOUT_COMPLETED,
  ROLLOUT_ABORTED,
  REGISTRY_SYNCED;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  /**
   * The action named {@code wireName}.
   *
   * @throws IllegalArgumentException naming the text and the accepted names
   */
  public static Action fromWireName(String wireName) {
    for (Action action : values()) {
      if (action.wireName.equals(wireName)) {
        return action;
      }
    }
    StringBuilder expected = new StringBuilder();
    for (Action action : values()) {
      expected.append(expected.length() == 0 ? "" : ", ").append(action.wireName);
    }
    throw new IllegalArgumentException("'" + wireName + "' is not an action (expected one of: " + expected + ")");
  }

  /** True for the actions that move an alias and carry an {@link Change.AliasChanged}: all but {@code register_version} and {@code config}. */
  public boolean changesAlias() {
    return this != REGISTER_VERSION && this != CONFIG;
  }

  /**
   * True for the actions that may start a rollout: {@code rollout_started}, and {@code registry_synced}
   * when a followed registry alias moved and the alias rolls out to the registry's version.
   */
  public boolean startsRollout() {
    return this == ROLLOUT_STARTED || this == REGISTRY_SYNCED;
  }

  /** True for the {@code rollout_*} actions, whose {@code after} carries the alias's rollout and the weights it implies. */
  public boolean isRollout() {
    return wireName.startsWith("rollout_");
  }

  /** The action that records a rollout's {@code kind} of move ({@code auto_rollback} for a rollback). */
  public static Action of(dev.modelgate.core.rollout.Transition.Kind kind) {
    return fromWireName(kind.action());
  }

  @Override
  public String toString() {
    return wireName;
  }
}
