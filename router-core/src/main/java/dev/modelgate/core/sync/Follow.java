package dev.modelgate.core.sync;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.rollout.RolloutPlan;

/**
 * One alias of this gateway following one alias of a registry (a {@code source.follow} entry).
 *
 * @param registry the registry's configured name; the events it causes have actor {@code registry:<name>}
 * @param path the model in the registry (W&B {@code entity/project/collection}, MLflow the model name)
 * @param registryAlias the alias there
 * @param model the model here
 * @param alias the alias here
 * @param plan the alias's rollout plan, which a {@link OnNewVersion#ROLLOUT} follows
 */
public record Follow(String registry, String path, String registryAlias, String model, String alias, OnNewVersion onNewVersion,
    RolloutPlan plan, Serving serving) {

  public Follow {
    requireNonNull(registry, "registry");
    requireNonNull(path, "path");
    requireNonNull(registryAlias, "registryAlias");
    requireNonNull(model, "model");
    requireNonNull(alias, "alias");
    requireNonNull(onNewVersion, "onNewVersion");
    requireNonNull(plan, "plan");
    requireNonNull(serving, "serving");
  }

  /** The actor of the events this follow causes. */
  public String actor() {
    return "registry:" + registry;
  }
}
