package dev.modelgate.gateway.fault;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.GatewayHarness;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import dev.modelgate.gateway.proxy.RawHttp;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one client got for one request: status, headers, every byte, and whether the connection
 * was cut before the answer was complete (which is how a client learns that a stream broke).
 */
record ClientAnswer(String requestId, int status, HttpHeaders headers, byte[] bytes, boolean cutShort) {
  // Trailing tokens would mean two answers in one body.
  static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Posts a chat request with its own request id and reads the answer to its end. */
  static ClientAnswer chat(HttpClient http, URI uri, String model, boolean stream, String requestId) throws InterruptedException {
    if (stream) {
      return rawChat(uri.getPort(), model, requestId);
    }
    String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(GatewayHarness.WAIT)
        .header("content-type", "application/json").header("x-request-id", requestId)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new AssertionError("request " + requestId + " got no answer at all", e);
    }
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    boolean cutShort = false;
    try (InputStream in = response.body()) {
      in.transferTo(received);
    } catch (IOException e) {
      cutShort = true;
    }
    return new ClientAnswer(requestId, response.statusCode(), response.headers(), received.toByteArray(), cutShort);
  }

  /**
   * A streamed request over a plain socket (one connection each), read to the connection's end and
   * de-chunked here: the JDK client may drop the last bytes it received when the server closes
   * without a final chunk, which is exactly the case a broken stream is about.
   */
  private static ClientAnswer rawChat(int port, String model, String requestId) {
    String body = "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    byte[] wire;
    try (Socket socket = RawHttp.connect(port)) {
      socket.getOutputStream().write(RawHttp.ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
          + "x-request-id: " + requestId + "\r\nconnection: close\r\ncontent-length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body));
      wire = socket.getInputStream().readAllBytes();
    } catch (IOException e) {
      throw new AssertionError("request " + requestId + " got no answer at all", e);
    }
    String text = new String(wire, StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    String[] lines = text.substring(0, headEnd).split("\r\n");
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
    }
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    boolean complete = false;
    int at = headEnd + 4;
    List<String> length = headers.get("content-length");
    if (length != null) {
      int declared = Integer.parseInt(length.get(0));
      content.write(wire, at, Math.min(declared, wire.length - at));
      complete = wire.length - at >= declared;
      at = wire.length;
    }
    while (at < wire.length) {
      int sizeEnd = text.indexOf("\r\n", at);
      if (sizeEnd < 0) {
        break;
      }
      int size = Integer.parseInt(text.substring(at, sizeEnd).trim(), 16);
      if (size == 0) {
        complete = true;
        break;
      }
      int from = sizeEnd + 2;
      content.write(wire, from, Math.min(size, wire.length - from));
      at = from + size + 2;
    }
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    return new ClientAnswer(requestId, status, HttpHeaders.of(headers, (name, value) -> true), content.toByteArray(), !complete);
  }

  String body() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  String header(String name) {
    return headers.firstValue(name).orElse(null);
  }

  boolean isEventStream() {
    String type = header("content-type");
    return type != null && type.startsWith("text/event-stream");
  }

  /** The SSE events of a stream, without keep-alive comments. */
  List<String> events() {
    List<String> events = new ArrayList<>();
    for (String event : body().split("\n\n")) {
      if (!event.isBlank() && !event.startsWith(":")) {
        events.add(event);
      }
    }
    return events;
  }

  /** The {@code error} object of a JSON error body or of a stream's terminal error event. */
  JsonNode error() throws IOException {
    String json = isEventStream() ? events().get(events().size() - 1).substring("data: ".length()) : body();
    return JSON.readTree(json).path("error");
  }

  /**
   * Null when this is exactly one complete, well-formed answer: a JSON body (a completion, or an
   * OpenAI error for a status of 400 or more), or a stream that ends in {@code [DONE]}, or one that
   * ends in a terminal error event followed by the connection closing; otherwise what is wrong.
   */
  String problem() {
    try {
      if (status == 200 && isEventStream()) {
        List<String> events = events();
        if (events.isEmpty()) {
          return "an empty stream";
        }
        String last = events.get(events.size() - 1);
        for (String event : events.subList(0, events.size() - 1)) {
          if (!event.startsWith("data: {\"id\"")) {
            return "an event that is neither a chunk nor the end: " + event;
          }
          JSON.readTree(event.substring(6));
        }
        if (last.equals("data: [DONE]")) {
          return cutShort ? "[DONE] then a broken connection" : null;
        }
        if (last.startsWith("data: {\"error\":")) {
          JsonNode error = JSON.readTree(last.substring(6)).path("error");
          if (error.path("code").asText().isEmpty() || error.path("message").asText().isEmpty()) {
            return "an error event without code or message: " + last;
          }
          return cutShort ? null : "a terminal error event and then a clean end of the stream";
        }
        return "a stream that ends in neither [DONE] nor an error event: " + last;
      }
      if (cutShort) {
        return "status " + status + " and a body cut short after " + bytes.length + " bytes";
      }
      JsonNode json = JSON.readTree(bytes);
      if (status == 200) {
        return json.path("choices").isArray() ? null : "200 without choices: " + body();
      }
      if (status >= 400) {
        return json.path("error").path("message").isTextual() ? null : "status " + status + " without an error object: " + body();
      }
      return "unexpected status " + status;
    } catch (IOException e) {
      return "status " + status + ", not well-formed (" + e.getMessage() + "): " + body();
    }
  }
}
