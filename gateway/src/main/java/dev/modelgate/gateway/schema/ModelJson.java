package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model as the config file declares it, without its name (the key or the event's {@code model}
 * holds that): the {@code before}/{@code after} of a {@code config} event. Keys left out take the
 * config file's defaults.
 */
public record ModelJson(
    String defaultAlias,
    String description,
    String owner,
    @JsonSetter(contentNulls = Nulls.FAIL) List<String> tags,
    @JsonSetter(contentNulls = Nulls.FAIL) Map<String, VersionJson> versions,
    @JsonSetter(contentNulls = Nulls.FAIL) Map<String, AliasJson> aliases) {

  public ModelJson {
    defaultAlias = defaultAlias == null ? Model.DEFAULT_ALIAS : defaultAlias;
    tags = tags == null ? List.of() : tags;
    versions = versions == null ? Map.of() : versions;
    aliases = aliases == null ? Map.of() : aliases;
  }

  static ModelJson of(Model m) {
    if (m == null) {
      return null;
    }
    Map<String, VersionJson> versions = new LinkedHashMap<>();
    m.versions().forEach((id, v) -> versions.put(id, VersionJson.entry(v)));
    Map<String, AliasJson> aliases = new LinkedHashMap<>();
    m.aliases().forEach((name, a) -> aliases.put(name, AliasJson.of(a)));
    return new ModelJson(m.defaultAlias(), m.description(), m.owner(), m.tags(), versions, aliases);
  }

  Model toModel(String name) {
    Map<String, ModelVersion> byId = new LinkedHashMap<>();
    versions.forEach((id, v) -> {
      try {
        byId.put(id, v.toVersion(id));
      } catch (SchemaException e) {
        throw e.under("versions." + id);
      }
    });
    Map<String, Alias> byName = new LinkedHashMap<>();
    aliases.forEach((alias, a) -> byName.put(alias, a.toAlias(alias)));
    return new Model(name, defaultAlias, description, owner, tags, byId, byName);
  }
}
