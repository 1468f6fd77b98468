package dev.modelgate.gateway.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.OpenAiError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}} in OpenAI's list format. The list is
 * rendered once per routing table and reused until the table changes.
 */
final class ModelsEndpoint {
  private static final JsonFactory JSON = new JsonFactory();

  private volatile Rendered rendered = new Rendered(null, null);

  private record Rendered(RoutingTable table, byte[] list) {}

  /** A JSON answer: its status and body. */
  record Answer(int status, byte[] json) {}

  Answer answer(RoutingTable table, String path) {
    if (path.equals("/v1/models")) {
      return new Answer(200, list(table));
    }
    String raw = path.substring("/v1/models/".length());
    String id = decodeOrNull(raw);
    if (id == null || !table.modelIds().contains(id)) {
      return new Answer(ErrorKind.MODEL_NOT_FOUND.status(),
          OpenAiError.json(ErrorKind.MODEL_NOT_FOUND, table.whyNotFound(id == null ? raw : id), "model"));
    }
    return new Answer(200, render(gen -> writeModel(gen, id)));
  }

  // A broken escape such as "%zz" names no model; URLDecoder throws on it.
  private static String decodeOrNull(String raw) {
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private byte[] list(RoutingTable table) {
    Rendered current = rendered;
    if (current.table != table) {
      byte[] list = render(gen -> {
        gen.writeStartObject();
        gen.writeStringField("object", "list");
        gen.writeArrayFieldStart("data");
        for (String id : table.modelIds()) {
          writeModel(gen, id);
        }
        gen.writeEndArray();
        gen.writeEndObject();
      });
      current = new Rendered(table, list);
      rendered = current;
    }
    return current.list;
  }

  private static void writeModel(JsonGenerator gen, String id) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("id", id);
    gen.writeStringField("object", "model");
    gen.writeNumberField("created", 0);
    gen.writeStringField("owned_by", "modelgate");
    gen.writeEndObject();
  }

  private interface Writer {
    void write(JsonGenerator gen) throws IOException;
  }

  private static byte[] render(Writer writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      writer.write(gen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
