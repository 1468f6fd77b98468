package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

/** An operator's command that the rollout's state does not allow; nothing changes. */
public record Refusal(String reason) implements RolloutOutcome {

  public Refusal {
    requireNonNull(reason, "reason");
  }
}
