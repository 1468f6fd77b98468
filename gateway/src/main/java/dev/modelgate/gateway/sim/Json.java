package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Jackson trees in, wire bytes out: JSON bodies and the two Server-Sent Events framings. */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** The request body as an object, or the 400 a real server answers to anything else. */
  static ObjectNode parseObject(Buffer body) {
    JsonNode node;
    try {
      node = MAPPER.readTree(body.getBytes());
    } catch (IOException e) {
      throw ApiError.invalidJson();
    }
    if (node == null || !node.isObject()) {
      throw ApiError.invalidJson();
    }
    return (ObjectNode) node;
  }

  static Buffer buffer(JsonNode node) {
    return Buffer.buffer(bytes(node));
  }

  /** Appends one {@code data:} event, the framing of Chat Completions and Completions streams. */
  static Buffer appendData(Buffer out, JsonNode node) {
    return out.appendString("data: ").appendBytes(bytes(node)).appendString("\n\n");
  }

  static Buffer appendDone(Buffer out) {
    return out.appendString("data: [DONE]\n\n");
  }

  /**
   * Appends one {@code event:} + {@code data:} pair, the framing of Responses streams, where the
   * event name repeats the payload's {@code type}.
   */
  static Buffer appendEvent(Buffer out, ObjectNode node) {
    return out.appendString("event: ")
        .appendString(node.get("type").asText())
        .appendString("\ndata: ")
        .appendBytes(bytes(node))
        .appendString("\n\n");
  }

  /** OpenAI's error envelope. */
  static ObjectNode error(String message, String type, String param, String code) {
    ObjectNode root = object();
    root.putObject("error")
        .put("message", message)
        .put("type", type)
        .put("param", param)
        .put("code", code);
    return root;
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      // A tree of plain values always serializes.
      throw new UncheckedIOException(e);
    }
  }
}
