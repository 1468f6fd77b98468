package dev.modelgate.core.registry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every registered model, by name. Immutable; a change builds a new registry. */
public record Registry(Map<String, Model> models) {
  public static final Registry EMPTY = new Registry(Map.of());

  public Registry {
    models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
  }

  /** This registry with {@code model} added or replacing the model of the same name. */
  public Registry withModel(Model model) {
    Map<String, Model> next = new LinkedHashMap<>(models);
    next.put(model.name(), model);
    return new Registry(next);
  }
}
