package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Blocking calls to the admin API for {@code modelgate ctl}. A refusal becomes a {@link Failure}
 * carrying the server's own message (exit 1); a server that cannot be reached, one naming the URL
 * (exit 3). The token goes into the {@code Authorization} header only, never into a message.
 */
final class AdminClient {
  static final int REFUSED = 1;
  static final int UNREACHABLE = 3;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final String baseUrl;
  private final String token;
  // HTTP/1.1 because the JDK's default h2c upgrade attempt buys nothing against one loopback admin port.
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();

  AdminClient(String baseUrl, String token) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  /** An answer with a 2xx status: the body as sent, and parsed. */
  record Answer(int status, String body, JsonNode json) {}

  /** A call that did not succeed; {@code exitCode} says whether the server refused or was not reached. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    Failure(int exitCode, String message) {
      super(message, null, false, false);
      this.exitCode = exitCode;
    }
  }

  Answer get(String path) throws InterruptedException {
    return send("GET", path, null);
  }

  Answer send(String method, String path, JsonNode body) throws InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(REQUEST_TIMEOUT)
        .header("accept", "application/json");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    }
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      throw new Failure(UNREACHABLE, "no answer from the admin API at " + baseUrl + " within "
          + (e instanceof HttpConnectTimeoutException ? CONNECT_TIMEOUT : REQUEST_TIMEOUT).toSeconds() + " s");
    } catch (ConnectException e) {
      throw new Failure(UNREACHABLE, "cannot reach the admin API at " + baseUrl + ": connection refused");
    } catch (IOException e) {
      throw new Failure(UNREACHABLE, "cannot reach the admin API at " + baseUrl + ": " + describe(e));
    }
    JsonNode json = parse(response.body());
    if (response.statusCode() / 100 != 2) {
      throw new Failure(REFUSED, response.statusCode() + " " + refusal(response, json));
    }
    if (json == null) {
      throw new Failure(REFUSED, response.statusCode() + " from " + baseUrl + path + " is not JSON: is this the admin port?");
    }
    return new Answer(response.statusCode(), response.body(), json);
  }

  private String refusal(HttpResponse<String> response, JsonNode json) {
    JsonNode message = json == null ? null : json.path("error").get("message");
    if (message != null && message.isTextual()) {
      boolean noToken = response.statusCode() == 401 && token == null;
      return message.textValue() + (noToken ? " (set " + CtlCommand.TOKEN_ENV + ")" : "");
    }
    // Something other than the gateway answered (a proxy, the data plane port): say so rather than guess.
    String body = response.body().strip();
    int newline = body.indexOf('\n');
    String firstLine = newline < 0 ? body : body.substring(0, newline);
    return "from " + baseUrl + ": " + (firstLine.isEmpty() ? "(empty body)" : abbreviate(firstLine));
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String describe(IOException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }

  /**
   * Percent-encodes one path segment or query value. Not {@link java.net.URLEncoder}: its {@code +}
   * for a space is a literal plus to the admin API, and a model name's {@code /} must become
   * {@code %2F}.
   */
  static String encode(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
