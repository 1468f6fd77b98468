package dev.modelgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.config.AuthConfig.AdminToken;
import dev.modelgate.gateway.config.AuthConfig.Role;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.proxy.RawHttp;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the admin port answers when something goes wrong that is nobody's refusal. */
class AdminFailuresTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger(AdminFailures.class.getName());
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      logged.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @TempDir
  Path state;

  @BeforeEach
  void listen() {
    logger.addHandler(capture);
  }

  @AfterEach
  void stopListening() {
    logger.removeHandler(capture);
  }

  private HttpResponse<String> get(AdminPort port, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(port.uri(path)).timeout(GatewayHarness.WAIT);
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersAnUnexpectedIllegalArgumentExceptionAsALogged500NotA422() throws Exception {
    IllegalArgumentException bug = new IllegalArgumentException("a bug, not the caller's mistake");
    try (AdminPort port = new AdminPort(state, List.of(new AdminToken("T", Role.ADMIN)), Map.of("T", "t"), () -> {
      throw bug;
    })) {
      HttpResponse<String> answer = get(port, "/readyz", null);

      assertThat(answer.statusCode()).isEqualTo(500);
      JsonNode error = JSON.readTree(answer.body()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("server_error");
      assertThat(error.path("code").asText()).isEqualTo("internal_error");
      assertThat(error.path("message").asText()).doesNotContain("a bug");
      assertThat(logged).anySatisfy(record -> {
        assertThat(record.getLevel()).isEqualTo(Level.SEVERE);
        assertThat(record.getMessage()).contains("GET /readyz");
        assertThat(record.getThrown()).isSameAs(bug);
      });
    }
  }

  @Test
  void keepsTheAdminApiOffWithoutTokensButStillServesHealthAndMetrics() throws Exception {
    try (AdminPort port = new AdminPort(state, List.of(), Map.of(), () -> true)) {
      for (String path : List.of("/admin/v1/models", "/admin/v1/openapi.json", "/admin/v1")) {
        HttpResponse<String> off = get(port, path, "anything");
        assertThat(off.statusCode()).as(path).isEqualTo(404);
        assertThat(JSON.readTree(off.body()).path("error").path("message").asText()).contains("The admin API is off");
      }
      assertThat(get(port, "/healthz", null).statusCode()).isEqualTo(200);
      assertThat(get(port, "/readyz", null).statusCode()).isEqualTo(200);
      assertThat(get(port, "/metrics", null).body()).contains("# TYPE");
      assertThat(logged).noneMatch(record -> record.getLevel().intValue() >= Level.WARNING.intValue());
    }
  }

  @Test
  void answersUnknownPathsWith404AndOtherMethodsWith405NamingTheAllowedOnes() throws Exception {
    try (AdminPort port = new AdminPort(state, List.of(new AdminToken("T", Role.ADMIN)), Map.of("T", "t"), () -> true)) {
      HttpResponse<String> unknown = get(port, "/nope", null);
      HttpResponse<String> unknownAdmin = get(port, "/admin/v1/nope", "t");
      HttpResponse<String> postHealth = http.send(HttpRequest.newBuilder(port.uri("/healthz")).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> deleteModel = http.send(HttpRequest.newBuilder(port.uri("/admin/v1/models/m")).DELETE()
          .header("authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> deleteWithoutToken = http.send(HttpRequest.newBuilder(port.uri("/admin/v1/models/m")).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknownAdmin.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(unknownAdmin.body()).path("error").path("type").asText()).isEqualTo("not_found_error");
      assertThat(postHealth.statusCode()).isEqualTo(405);
      assertThat(postHealth.headers().firstValue("allow")).hasValue("GET, HEAD");
      assertThat(deleteModel.statusCode()).isEqualTo(405);
      assertThat(deleteModel.headers().firstValue("allow")).hasValue("GET");
      assertThat(JSON.readTree(deleteModel.body()).path("error").path("code").asText()).isEqualTo("method_not_allowed");
      assertThat(deleteWithoutToken.statusCode()).isEqualTo(401);
      assertThat(deleteWithoutToken.headers().firstValue("www-authenticate")).hasValue("Bearer");
      assertThat(logged).noneMatch(record -> record.getLevel().intValue() >= Level.WARNING.intValue());
    }
  }

  @Test
  void answersAPathWithBrokenPercentEncodingWith400() throws Exception {
    try (AdminPort port = new AdminPort(state, List.of(new AdminToken("T", Role.ADMIN)), Map.of("T", "t"), () -> true)) {
      // java.net.http refuses to send such a URL: write the request by hand.
      String answer;
      try (Socket socket = RawHttp.connect(port.uri("/").getPort())) {
        socket.getOutputStream().write(("GET /admin/v1/models/bad%zzname HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer t\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      }

      assertThat(answer).startsWith("HTTP/1.1 400 ").contains("\"code\":\"invalid_request\"");
    }
  }
}
