package dev.modelgate.core.ledger;

import java.util.Locale;

/** What an audit event did (docs/admin-api.md); {@link #wireName()} is its name in JSON and in queries. */
public enum Action {
  REGISTER_VERSION,
  SET_WEIGHTS,
  PROMOTE,
  ROLLBACK,
  AUTO_ROLLBACK,
  CONFIG;

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

  /** True for the four actions that move an alias's weights and carry an {@link Change.AliasChanged}. */
  public boolean changesAlias() {
    return this == SET_WEIGHTS || this == PROMOTE || this == ROLLBACK || this == AUTO_ROLLBACK;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
