package dev.modelgate.gateway.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.List;

/**
 * One streaming pass over a request body that finds the top-level {@code model}, {@code stream},
 * sticky-key and segment fields and what the response cache asks ({@code temperature}, {@code n}),
 * with the byte range of the {@code model} value so it can be replaced by a splice instead of
 * re-serialising the whole body. Every other value is skipped unread, but the
 * pass still checks that the body is one well-formed JSON object.
 *
 * <p>A second top-level {@code model} is rejected: the gateway would route on one and the backend
 * might read the other.
 */
final class BodyScan {
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build())
      .build();

  String model;
  /** Offset of the opening quote of the {@code model} value. */
  int modelStart;
  /** Offset just past the closing quote of the {@code model} value. */
  int modelEnd;
  boolean stream;
  /** Whether {@code temperature} is the number 0: the only sampling whose answer the cache replays. */
  boolean temperatureZero;
  /** The {@code n} asked for: 1 when absent or null, -1 when not an integer that fits a long. */
  long choices = 1;
  String stickyValue;
  /** The top-level string fields segments read, by their index in {@link #fields}; {@code null} when none are read. */
  private final List<String> fields;
  private final String[] fieldValues;
  /** Why the body was refused, or {@code null}. */
  String problem;
  /** The parameter the problem is about, or {@code null}. */
  String problemParam;

  private BodyScan(List<String> fields) {
    this.fields = fields;
    this.fieldValues = fields.isEmpty() ? null : new String[fields.size()];
  }

  static BodyScan scan(byte[] body, int length, String stickyField) {
    return scan(body, length, stickyField, List.of());
  }

  /** @param fields the top-level string fields to keep as well, for {@link #field}: the routing table's segment fields */
  static BodyScan scan(byte[] body, int length, String stickyField, List<String> fields) {
    BodyScan scan = new BodyScan(fields);
    try (JsonParser parser = JSON.createParser(body, 0, length)) {
      scan.read(parser, stickyField);
    } catch (IOException | RuntimeException e) {
      scan.refuse("We could not parse the JSON body of your request: " + firstLine(e.getMessage()), null);
    }
    return scan;
  }

  private void read(JsonParser parser, String stickyField) throws IOException {
    // Jackson decodes UTF-16 and UTF-32 bodies through a reader that has no byte offsets to splice at.
    if (parser.currentLocation().getByteOffset() < 0) {
      refuse("The request body must be JSON encoded as UTF-8.", null);
      return;
    }
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      refuse("The request body must be a JSON object.", null);
      return;
    }
    boolean seenModel = false;
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (field.equals("model")) {
        if (seenModel) {
          refuse("The request body has more than one 'model' field.", "model");
          return;
        }
        seenModel = true;
        if (value != JsonToken.VALUE_STRING) {
          refuse("'model' must be a string.", "model");
          return;
        }
        modelStart = (int) parser.currentTokenLocation().getByteOffset();
        model = parser.getText();
        modelEnd = (int) parser.currentLocation().getByteOffset();
      } else if (field.equals("stream")) {
        stream = value == JsonToken.VALUE_TRUE;
      } else if (field.equals(stickyField) && value.isScalarValue() && value != JsonToken.VALUE_NULL) {
        stickyValue = parser.getText();
        // One field may key both stickiness and a segment (body: user for each).
        keepIfSegmentField(parser, field, value);
      } else if (field.equals("temperature")) {
        temperatureZero = value.isNumeric() && parser.getDoubleValue() == 0;
      } else if (field.equals("n")) {
        choices = value == JsonToken.VALUE_NULL ? 1 : integral(parser, value);
      } else if (!keepIfSegmentField(parser, field, value)) {
        parser.skipChildren();
      }
    }
    if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
      refuse("We could not parse the JSON body of your request: unexpected content after the object.", null);
      return;
    }
    if (!seenModel) {
      refuse("You must provide a model parameter.", "model");
    }
  }

  // Not getLongValue alone: an integer too big for a long would make the whole body unreadable.
  private static long integral(JsonParser parser, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      return -1;
    }
    JsonParser.NumberType type = parser.getNumberType();
    return type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG ? parser.getLongValue() : -1;
  }

  private boolean keepIfSegmentField(JsonParser parser, String field, JsonToken value) throws IOException {
    if (fieldValues == null || value != JsonToken.VALUE_STRING || !fields.contains(field)) {
      return false;
    }
    fieldValues[fields.indexOf(field)] = parser.getText();
    return true;
  }

  /** The value of the top-level string field {@code name} the scan was asked to keep, or {@code null}. */
  String field(String name) {
    int index = fields.indexOf(name);
    return index < 0 || fieldValues == null ? null : fieldValues[index];
  }

  private void refuse(String message, String param) {
    problem = message;
    problemParam = param;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "malformed JSON";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
