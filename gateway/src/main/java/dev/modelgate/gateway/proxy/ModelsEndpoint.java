package dev.modelgate.gateway.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.gateway.openai.ErrorKind;
import dev.modelgate.gateway.openai.OpenAiError;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
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

  private record Rendered(RoutingTable table, Buffer list) {}

  void answer(RoutingTable table, String path, HttpServerResponse response) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    if (path.equals("/v1/models")) {
      response.end(list(table));
      return;
    }
    String raw = path.substring("/v1/models/".length());
    String id = decodeOrNull(raw);
    if (id == null || !table.modelIds().contains(id)) {
      response.setStatusCode(ErrorKind.MODEL_NOT_FOUND.status())
          .end(Buffer.buffer(OpenAiError.json(ErrorKind.MODEL_NOT_FOUND, table.whyNotFound(id == null ? raw : id), "model")));
      return;
    }
    response.end(Buffer.buffer(render(gen -> writeModel(gen, id))));
  }

  // A broken escape such as "%zz" names no model; URLDecoder throws on it.
  private static String decodeOrNull(String raw) {
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private Buffer list(RoutingTable table) {
    Rendered current = rendered;
    if (current.table != table) {
      Buffer list = Buffer.buffer(render(gen -> {
        gen.writeStartObject();
        gen.writeStringField("object", "list");
        gen.writeArrayFieldStart("data");
        for (String id : table.modelIds()) {
          writeModel(gen, id);
        }
        gen.writeEndArray();
        gen.writeEndObject();
      }));
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
