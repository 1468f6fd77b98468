package dev.modelgate.gateway.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** OpenAI's error envelope: {@code {"error":{"message","type","param","code"}}}. */
public final class OpenAiError {
  private static final JsonFactory JSON = new JsonFactory();

  private OpenAiError() {}

  /** The envelope as UTF-8 JSON bytes. */
  public static byte[] json(ErrorKind kind, String message, String param) {
    return json(kind.type(), kind.code(), message, param);
  }

  /** The envelope with any {@code type} and {@code code}, for errors outside the data plane's set. */
  public static byte[] json(String type, String code, String message, String param) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(160 + message.length());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeObjectFieldStart("error");
      g.writeStringField("message", message);
      g.writeStringField("type", type);
      g.writeStringField("param", param);
      g.writeStringField("code", code);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The envelope as one Server-Sent Event, for a stream that fails after its 200 went out. */
  public static String sseEvent(ErrorKind kind, String message) {
    return "data: " + new String(json(kind, message, null), java.nio.charset.StandardCharsets.UTF_8) + "\n\n";
  }
}
