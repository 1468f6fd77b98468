package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.util.StdConverter;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot's map of model name to {@link ModelJson}, read straight into {@link Model}s: each model
 * is made as soon as its JSON is read, so the JSON shapes of a 10,000-model snapshot are never all
 * alive at once (a small heap promoted them, tens of MB, to its old generation). {@link Writing}
 * makes each model's shape as it is written, for the same reason.
 */
final class ModelsJson extends StdDeserializer<Map<String, Model>> {
  /** The context attribute holding the {@link Registry} whose equal versions the models read share. */
  static final String LIKELY = "modelgate.likely-models";

  ModelsJson() {
    super(Map.class);
  }

  @Override
  public Map<String, Model> deserialize(JsonParser parser, DeserializationContext context) throws IOException {
    if (!parser.isExpectedStartObjectToken()) {
      throw context.wrongTokenException(parser, Map.class, JsonToken.START_OBJECT, "a mapping of model name to model");
    }
    Object attribute = context.getAttribute(LIKELY);
    Map<String, Model> likely = attribute instanceof Registry registry ? registry.models() : Map.of();
    Map<String, Model> models = new LinkedHashMap<>();
    for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
      parser.nextToken();
      try {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
          throw new SchemaException("", "null (expected: a model)");
        }
        ModelJson json = context.readValue(parser, ModelJson.class);
        models.put(name, sharingVersions(model(name, json), likely.get(name)));
      } catch (IOException | RuntimeException e) {
        throw JsonMappingException.wrapWithPath(e, models, name);
      }
    }
    return models;
  }

  private static Model model(String name, ModelJson json) {
    try {
      return json.toModel(name);
    } catch (SchemaException e) {
      throw e;
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new SchemaException("", e.getMessage());
    }
  }

  /** {@code model} with each version equal to one of {@code other}'s replaced by that instance. */
  static Model sharingVersions(Model model, Model other) {
    if (other == null) {
      return model;
    }
    Map<String, ModelVersion> versions = new LinkedHashMap<>();
    model.versions().forEach((id, version) -> {
      ModelVersion same = other.versions().get(id);
      versions.put(id, version.equals(same) ? same : version);
    });
    return new Model(model.name(), model.defaultAlias(), model.description(), model.owner(), model.tags(), versions, model.aliases());
  }

  /** A model as its JSON shape, made as it is written. */
  static final class Writing extends StdConverter<Model, ModelJson> {
    @Override
    public ModelJson convert(Model model) {
      return ModelJson.of(model);
    }
  }
}
