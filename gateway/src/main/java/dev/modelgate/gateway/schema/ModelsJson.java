package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.util.StdConverter;
import dev.modelgate.core.registry.Model;
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
  ModelsJson() {
    super(Map.class);
  }

  @Override
  public Map<String, Model> deserialize(JsonParser parser, DeserializationContext context) throws IOException {
    if (!parser.isExpectedStartObjectToken()) {
      throw context.wrongTokenException(parser, Map.class, JsonToken.START_OBJECT, "a mapping of model name to model");
    }
    Map<String, Model> models = new LinkedHashMap<>();
    for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
      parser.nextToken();
      try {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
          throw new SchemaException("", "null (expected: a model)");
        }
        ModelJson json = context.readValue(parser, ModelJson.class);
        models.put(name, model(name, json));
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

  /** A model as its JSON shape, made as it is written. */
  static final class Writing extends StdConverter<Model, ModelJson> {
    @Override
    public ModelJson convert(Model model) {
      return ModelJson.of(model);
    }
  }
}
