package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.sync.OnNewVersion;
import dev.modelgate.core.sync.Serving;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's {@code source} (docs/registry-sync.md): the registry it follows and how.
 *
 * @param registry a name under {@code registries}
 * @param path the model in that registry: W&B {@code entity/project/collection}, MLflow the model name
 * @param follow registry alias → this model's alias
 * @param writeBackStatus whether a version's outcome here is written to the registry as a tag
 * @param moveAliasBackOnRollback whether an automatic rollback also points the registry alias back at
 *     the version that serves
 */
public record SourceConfig(String registry, String path, Map<String, String> follow, Serving serving, OnNewVersion onNewVersion,
    boolean writeBackStatus, boolean moveAliasBackOnRollback) {

  public SourceConfig {
    requireNonNull(registry, "registry");
    requireNonNull(path, "path");
    follow = Collections.unmodifiableMap(new LinkedHashMap<>(follow));
    requireNonNull(serving, "serving");
    requireNonNull(onNewVersion, "onNewVersion");
  }
}
