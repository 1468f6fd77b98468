package dev.modelgate.gateway.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.rollout.RolloutPlan;
import dev.modelgate.gateway.config.GatewayConfig;

/**
 * The rollout plans the config file declares, kept current by its hot reload. A plan is read when a
 * rollout starts and then travels with the rollout in the ledger, so an edit never changes a
 * rollout under way.
 */
public final class RolloutPlans {
  private final boolean requireDistinctApprover;
  private volatile GatewayConfig config;

  public RolloutPlans(GatewayConfig config) {
    this.config = requireNonNull(config, "config").withoutRegistry();
    this.requireDistinctApprover = config.auth().requireDistinctApprover();
  }

  /** Takes the plans of an edited config file; {@code auth} changes wait for a restart, as the rest of it does. */
  public void update(GatewayConfig edited) {
    config = requireNonNull(edited, "edited");
  }

  /** The plan {@code alias} of {@code model} declares, or {@code null} when it declares none. */
  public RolloutPlan plan(String model, String alias) {
    return config.delivery(model, alias).rollout();
  }

  /** Whether {@code auth.require_distinct_approver} refuses an approval by the token that started the rollout. */
  public boolean requireDistinctApprover() {
    return requireDistinctApprover;
  }
}
