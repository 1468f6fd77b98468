package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.modelgate.core.Durations;
import dev.modelgate.core.Messages;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one JSON mapping of modelgate's records: the ledger's events (also the audit API's and the
 * webhooks' body), the admin API's request bodies and its views. Everything that is not the YAML
 * config goes through here, so every surface reads and writes a shape the same way.
 *
 * <p>Reading is strict, because guessing would silently change state: keys are snake_case; an
 * unknown key, a duplicate key, a wrong type (no {@code "2"} for 2, no 2.5 for an integer, no
 * number for a string, no {@code ""} or {@code " "} for a number), a missing {@link Required} key
 * and anything after the document are refused. Databind's exceptions become one {@link
 * SchemaException} that names the key's path and what was found, in the config file's style:
 * {@code after.revision: string "2" (expected: an integer from 0 to 9223372036854775807)}. The
 * expectation is the property's {@code @JsonPropertyDescription} when it has one, else its type's.
 *
 * <p>Writing leaves out optional keys that are absent ({@code null}), unless a record asks for them.
 */
public final class Schema {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      // Absent optional keys are left out; a null inside free-form lineage or evidence is data and stays.
      .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS))
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      // Databind would read "" or " " as null for a number: {"if_revision":" "} would skip the check.
      .withCoercionConfigDefaults(all -> all.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail).setAcceptBlankAsEmpty(false))
      .withCoercionConfig(LogicalType.Textual, text -> text
          .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
      .addModule(ValueTypes.module())
      .build();
  // read() looks past the document itself, so that what follows it is a syntax problem, not a shape one.
  private static final ObjectReader TREE = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final ObjectWriter STREAM = MAPPER.writer().without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
  private static final TypeReference<Map<String, Object>> PLAIN_OBJECT = new TypeReference<>() {};
  private static final int MAX_SHOWN = 60;
  /** How Jackson's strict duplicate detection begins its message (it has no exception type of its own). */
  private static final String DUPLICATE_FIELD = "Duplicate field ";

  private Schema() {}

  /**
   * Reads one document of {@code type} from UTF-8 bytes, as they lie in a file or a request.
   *
   * @throws SchemaException naming the key at fault, or the document when it is not JSON
   */
  public static <T> T read(byte[] json, int offset, int length, Class<T> type) {
    try (JsonParser parser = MAPPER.createParser(json, offset, length)) {
      return read(parser, type, Map.of());
    } catch (IOException e) {
      throw problem(e, () -> MAPPER.readTree(MAPPER.createParser(json, offset, length)));
    }
  }

  /**
   * Like {@link #read(byte[], int, int, Class)} from a UTF-8 file, streamed: a large document (a
   * snapshot of 10,000 models is 11 MB) is not held whole beside what it is read into. The file is
   * read again only to show a value at fault.
   *
   * @param attributes what the type's own deserializers read from their context, by key
   * @throws IOException when the file cannot be read
   */
  public static <T> T read(Path file, Class<T> type, Map<?, ?> attributes) throws IOException {
    return read(() -> MAPPER.createParser(Files.newInputStream(file)), type, attributes);
  }

  /** Text a document is read from as it comes: opened once to read it, and again only to show a value at fault. */
  public interface Text {
    Reader open() throws IOException;
  }

  /** Like {@link #read(Path, Class, Map)} from {@code text}, as it comes. */
  public static <T> T read(Text text, Class<T> type, Map<?, ?> attributes) throws IOException {
    return read(() -> MAPPER.createParser(text.open()), type, attributes);
  }

  private interface Opened {
    JsonParser parser() throws IOException;
  }

  private static <T> T read(Opened document, Class<T> type, Map<?, ?> attributes) throws IOException {
    try (JsonParser parser = document.parser()) {
      return read(parser, type, attributes);
    } catch (JacksonException e) {
      throw problem(e, () -> {
        try (JsonParser again = document.parser()) {
          return MAPPER.readTree(again);
        }
      });
    }
  }

  private static <T> T read(JsonParser parser, Class<T> type, Map<?, ?> attributes) throws IOException {
    if (parser.nextToken() == null) {
      throw new SchemaException("", "is empty (expected: one JSON object)");
    }
    // A reader of its own only when needed: read(byte[]…) takes every event line of a ledger.
    T value = attributes.isEmpty() ? MAPPER.readValue(parser, type) : MAPPER.readerFor(type).withAttributes(attributes).<T>readValue(parser);
    if (parser.nextToken() != null) {
      throw new SchemaException("", "not valid JSON: more after the document (expected: one JSON object)");
    }
    if (value == null) {
      throw new SchemaException("", "null (expected: one JSON object)");
    }
    return value;
  }

  /** Like {@link #read(byte[], int, int, Class)} for text. */
  public static <T> T read(String json, Class<T> type) {
    // Parsed from the text itself, not a UTF-8 copy of it.
    try (JsonParser parser = MAPPER.createParser(json)) {
      return read(parser, type, Map.of());
    } catch (IOException e) {
      throw problem(e, () -> MAPPER.readTree(MAPPER.createParser(json)));
    }
  }

  /**
   * Maps a document already parsed (e.g. a request body) onto {@code type}.
   *
   * @throws SchemaException naming the key at fault
   */
  public static <T> T convert(JsonNode tree, Class<T> type) {
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (IOException e) {
      throw problem(e, () -> tree);
    }
  }

  /**
   * A JSON tree with the same strictness as {@link #read}: duplicates and trailing content refused.
   *
   * @throws SchemaException naming a duplicate key, or the document's flaw
   */
  public static JsonNode readTree(byte[] json) {
    try {
      return TREE.readTree(json);
    } catch (IOException e) {
      throw problem(e, () -> null);
    }
  }

  /** One line of JSON, no newline. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Writes {@code value} as UTF-8 to {@code out}, left open: a document too big to hold twice (a
   * snapshot of a large registry) goes out as it is made, not through a String and its bytes.
   */
  public static void write(Object value, OutputStream out) throws IOException {
    STREAM.writeValue(out, value);
  }

  /** {@code value} as a JSON tree, as {@link #write} would write it. */
  public static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  /** A JSON object as plain Java values (see {@link dev.modelgate.core.PlainValues}). */
  public static Map<String, Object> plain(ObjectNode object) {
    return MAPPER.convertValue(object, PLAIN_OBJECT);
  }

  private interface TreeSource {
    JsonNode get() throws IOException;
  }

  /** Databind's exception as the key it is about and what is wrong there. */
  private static SchemaException problem(IOException e, TreeSource source) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SchemaException found) {
        return found.under(e instanceof JsonMappingException d ? path(d.getPath()) : "");
      }
      if (cause instanceof StreamReadException read && read.getProcessor() != null
          && String.valueOf(read.getOriginalMessage()).startsWith(DUPLICATE_FIELD)) {
        // The parser stands on the second occurrence, so its context is the key's own path.
        return new SchemaException(path(read.getProcessor().getParsingContext()), "duplicate key");
      }
    }
    if (!(e instanceof JsonMappingException mapping)) {
      return new SchemaException("", "not valid JSON: " + firstLine(e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage()));
    }
    String path = path(mapping.getPath());
    if (e.getCause() instanceof InputCoercionException range) {
      // Databind names the map or list holding the number, not its entry; the number itself is in the message.
      return new SchemaException(path, firstLine(range.getOriginalMessage()));
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return new SchemaException(path, "unknown key" + suggestion(unknown.getPropertyName(), unknown.getKnownPropertyIds()));
    }
    JsonNode found = null;
    try {
      found = at(source.get(), mapping.getPath());
    } catch (IOException | RuntimeException unreadable) {
      // The value cannot be shown; the path and the expectation still can.
    }
    String expected = expected(e, mapping.getPath());
    if (found == null && !(e instanceof MismatchedInputException)) {
      return new SchemaException(path, firstLine(mapping.getOriginalMessage()));
    }
    return new SchemaException(path, describe(found) + " (expected: " + expected + ")");
  }

  private static String path(JsonStreamContext context) {
    List<JsonMappingException.Reference> references = new ArrayList<>();
    for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
      references.add(0, at.inObject() ? new JsonMappingException.Reference(null, at.getCurrentName())
          : new JsonMappingException.Reference(null, at.getCurrentIndex()));
    }
    return path(references);
  }

  private static String path(List<JsonMappingException.Reference> references) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference reference : references) {
      if (reference.getFieldName() != null) {
        out.append(out.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        out.append('[').append(reference.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  /** The value at {@code references} in {@code tree}, {@code null} when there is none. */
  private static JsonNode at(JsonNode tree, List<JsonMappingException.Reference> references) {
    JsonNode node = tree;
    for (JsonMappingException.Reference reference : references) {
      if (node == null) {
        return null;
      }
      node = reference.getFieldName() != null ? node.get(reference.getFieldName()) : node.get(reference.getIndex());
    }
    return node;
  }

  /** The property's description when the record gives one, else what its type looks like in JSON. */
  private static String expected(IOException e, List<JsonMappingException.Reference> references) {
    if (!references.isEmpty()) {
      JsonMappingException.Reference last = references.get(references.size() - 1);
      Object from = last.getFrom();
      Class<?> owner = from instanceof Class<?> c ? c : from == null ? null : from.getClass();
      if (owner != null && owner.isRecord() && last.getFieldName() != null) {
        BeanDescription description = MAPPER.getDeserializationConfig().introspect(MAPPER.constructType(owner));
        for (BeanPropertyDefinition property : description.findProperties()) {
          if (property.getName().equals(last.getFieldName()) && property.getMetadata().getDescription() != null) {
            return property.getMetadata().getDescription();
          }
        }
      }
    }
    Class<?> type = e instanceof MismatchedInputException m ? m.getTargetType() : null;
    return type == null ? "another value" : expected(type);
  }

  private static String expected(Class<?> type) {
    if (type == String.class) {
      return "a string";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Duration.class) {
      return Durations.EXPECTED;
    }
    if (type == Instant.class) {
      return ValueTypes.INSTANT;
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    return "an object";
  }

  /** A value as a message shows it: its JSON type and text, cut short. */
  static String describe(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "missing";
    }
    if (value.isNull()) {
      return "null";
    }
    String text = value.toString();
    return value.getNodeType().toString().toLowerCase(Locale.ROOT) + " "
        + (text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN) + "…");
  }

  private static String suggestion(String key, Collection<Object> known) {
    List<String> names = new ArrayList<>();
    if (known != null) {
      known.forEach(name -> names.add(String.valueOf(name)));
    }
    return Messages.closest(key, names).map(best -> " (did you mean '" + best + "'?)").orElse("");
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "malformed";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
