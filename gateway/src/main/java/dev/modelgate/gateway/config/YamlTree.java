package dev.modelgate.gateway.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BiConsumer;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML text into a Jackson tree, token by token rather than with {@code readTree}, because two
 * things the stock reader does silently are mistakes in a config file (so an alias bomb, "billion
 * laughs", is never expanded: each alias is one problem):
 * <ul>
 *   <li>a key given twice in one mapping: Jackson keeps the last (or, with strict duplicate
 *       detection, stops at the first); here each is reported with its path and the walk goes on;
 *   <li>an alias ({@code *defaults}): Jackson's YAML parser hands back the anchor's name as a
 *       string instead of the anchored value, so it is reported rather than misread.
 * </ul>
 * Only {@code true} and {@code false} are booleans (as in YAML 1.2): YAML 1.1 also reads {@code
 * yes}, {@code no}, {@code on} and {@code off} as booleans, which would turn {@code access_log: off}
 * or a served model named {@code on} into something the user did not write. A key with nothing
 * after it ({@code auth:}) is null, as YAML says, not the empty string Jackson makes of it by
 * default; a quoted {@code ""} stays a string.
 */
final class YamlTree {
  /** Far deeper than any config (lineage maps included), far shallower than a stack can take. */
  static final int MAX_NESTING = 64;
  private static final YAMLFactory FACTORY = YAMLFactory.builder()
      .loaderOptions(loaderOptions())
      .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
      .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
      .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final YAMLParser parser;
  private final Problems problems;
  // Takes the top-level models one at a time, or null to keep them in the tree.
  private final BiConsumer<String, JsonNode> models;

  private YamlTree(YAMLParser parser, Problems problems, BiConsumer<String, JsonNode> models) {
    this.parser = parser;
    this.problems = problems;
    this.models = models;
  }

  // SnakeYAML stops at 3 MiB of code points by default; the loader's character cap is the one limit.
  private static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(ConfigLoader.MAX_CHARS);
    return options;
  }

  /** The tree of the one document in {@code yaml}, or {@code null} when there is none to walk. */
  static JsonNode read(String yaml, Problems problems) {
    return read(yaml, problems, null);
  }

  /**
   * Like {@link #read(String, Problems)}, but hands each entry of the top-level {@code models}
   * mapping to {@code models} as soon as its tree is read, in file order (duplicates and aliases
   * reported and left out, as in the tree), and keeps an empty {@code models} mapping in its place.
   * So only one model's tree is alive at a time: a 10,000-model file's whole tree is tens of MB,
   * which a small heap otherwise promotes to its old generation and keeps resident.
   */
  static JsonNode read(String yaml, Problems problems, BiConsumer<String, JsonNode> models) {
    try (YAMLParser parser = FACTORY.createParser(yaml)) {
      if (parser.nextToken() == null) {
        problems.addUnplaced("the file is empty (expected: a mapping with at least a 'models' key)");
        return null;
      }
      JsonNode root = new YamlTree(parser, problems, models).value("");
      if (parser.nextToken() != null) {
        problems.addUnplaced(at(parser.currentTokenLocation()) + ": a second YAML document (expected: one document, without another '---')");
      }
      return root;
    } catch (StreamConstraintsException e) {
      problems.addUnplaced("lists and mappings nested more than " + MAX_NESTING + " levels deep (expected: a config a few levels deep)");
      return null;
    } catch (JsonProcessingException e) {
      problems.addUnplaced(syntaxProblem(e));
      return null;
    } catch (IOException e) {
      // The text is already in memory; Jackson declares IOException for streams it does not use here.
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode value(String path) throws IOException {
    if (parser.isCurrentAlias()) {
      problems.add(path, "YAML alias *" + parser.getText() + " is not supported (" + at(parser.currentTokenLocation())
          + "; expected: the value written out)");
      return null;
    }
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        return mapping(path);
      case START_ARRAY:
        return list(path);
      case VALUE_NUMBER_INT:
        return integer();
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(parser.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        // Strings, and tagged scalars such as !!binary, whose tag Jackson already dropped.
        return NODES.textNode(parser.getText());
    }
  }

  private JsonNode integer() throws IOException {
    switch (parser.getNumberType()) {
      case INT:
        return NODES.numberNode(parser.getIntValue());
      case LONG:
        return NODES.numberNode(parser.getLongValue());
      default:
        return NODES.numberNode(parser.getBigIntegerValue());
    }
  }

  private ObjectNode mapping(String path) throws IOException {
    ObjectNode node = NODES.objectNode();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      String keyPath = path.isEmpty() ? key : path + "." + key;
      JsonLocation location = parser.currentTokenLocation();
      parser.nextToken();
      boolean streamed = models != null && path.isEmpty() && key.equals("models") && !node.has(key)
          && parser.currentToken() == JsonToken.START_OBJECT && !parser.isCurrentAlias();
      JsonNode value = streamed ? streamModels(keyPath) : value(keyPath);
      if (node.has(key)) {
        problems.add(keyPath, "duplicate key (" + at(location) + "; expected: each key once per mapping)");
      } else if (value != null) {
        node.set(key, value);
      }
    }
    return node;
  }

  // The models mapping, each entry handed over rather than kept: the same checks as mapping's.
  private ObjectNode streamModels(String path) throws IOException {
    Set<String> names = new HashSet<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      String namePath = path + "." + name;
      JsonLocation location = parser.currentTokenLocation();
      parser.nextToken();
      JsonNode value = value(namePath);
      if (names.contains(name)) {
        problems.add(namePath, "duplicate key (" + at(location) + "; expected: each key once per mapping)");
      } else if (value != null) {
        names.add(name);
        models.accept(name, value);
      }
    }
    return NODES.objectNode();
  }

  private ArrayNode list(String path) throws IOException {
    ArrayNode node = NODES.arrayNode();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      JsonNode value = value(path + "[" + node.size() + "]");
      node.add(value == null ? NODES.nullNode() : value);
    }
    return node;
  }

  private static String syntaxProblem(JsonProcessingException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof MarkedYAMLException) {
        MarkedYAMLException yaml = (MarkedYAMLException) cause;
        Mark mark = yaml.getProblemMark();
        if (mark != null) {
          String context = yaml.getContext() == null ? "" : " (" + yaml.getContext()
              + (yaml.getContextMark() == null ? "" : " that starts at " + at(yaml.getContextMark())) + ")";
          return at(mark) + ": " + oneLine(yaml.getProblem()) + context;
        }
      }
    }
    String message = e.getOriginalMessage();
    if (message != null && message.startsWith("Expected a field name")) {
      // YAML allows "? [a, b]: 1"; Jackson cannot represent it, and says so with a parser event dump.
      return at(e.getLocation()) + ": a key is a list or mapping (expected: a plain key such as port)";
    }
    return at(e.getLocation()) + ": " + oneLine(message);
  }

  private static String at(JsonLocation location) {
    return location == null ? "YAML" : "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  // SnakeYAML counts from 0; editors, and Jackson, from 1.
  private static String at(Mark mark) {
    return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
  }

  private static String oneLine(String message) {
    return message == null ? "cannot be parsed" : message.strip().replace('\n', ' ');
  }
}
