package dev.modelgate.core.registry;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A registered model: its versions, its aliases and free metadata.
 *
 * @param defaultAlias the alias a bare {@code name} routes through
 */
public record Model(
    String name,
    String defaultAlias,
    String description,
    String owner,
    List<String> tags,
    Map<String, ModelVersion> versions,
    Map<String, Alias> aliases) {

  public static final String DEFAULT_ALIAS = "production";

  public Model {
    requireNonNull(name, "name");
    requireNonNull(defaultAlias, "defaultAlias");
    tags = tags == null ? List.of() : List.copyOf(tags);
    versions = Collections.unmodifiableMap(new LinkedHashMap<>(versions));
    aliases = Collections.unmodifiableMap(new LinkedHashMap<>(aliases));
  }

  /** This model with {@code alias} added or replacing the alias of the same name. */
  public Model withAlias(Alias alias) {
    Map<String, Alias> next = new LinkedHashMap<>(aliases);
    next.put(alias.name(), alias);
    return new Model(name, defaultAlias, description, owner, tags, versions, next);
  }
}
