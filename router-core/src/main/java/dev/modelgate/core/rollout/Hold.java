package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

/** Leave the alias as it is. */
public record Hold(RolloutState next) implements Decision {

  public Hold {
    requireNonNull(next, "next");
  }
}
