package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.gateway.fault.FaultyBackend;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client connection hands its parts (body buffer, scan, attempt, relay) from one exchange to the
 * next. Pipelined requests are where the next exchange begins the moment the answer before it is
 * written: each must still be recorded with its own endpoint and usage, not the next one's.
 */
class PipelinedRecordsTest {
  private static final Pattern USER = Pattern.compile("\"user\":\"([^\"]+)\"");
  private static final int ROUNDS = 5;
  private static final int PIPELINED = 4;

  @Test
  void eachPipelinedRequestIsRecordedWithTheEndpointThatServedIt(@TempDir Path dir) throws Exception {
    Map<String, String> servedBy = new ConcurrentHashMap<>();
    try (FaultyBackend a = FaultyBackend.start(request -> served(servedBy, "a", request));
        FaultyBackend b = FaultyBackend.start(request -> served(servedBy, "b", request));
        GatewayHarness harness = new GatewayHarness()) {
      Path accessLog = dir.resolve("access.jsonl");
      harness.start("""
          server: {port: 0, admin_port: 0, host: 127.0.0.1}
          access_log: "%s"
          models:
            m:
              versions:
                v1: {artifact: "s3://m/1", served_model: served, endpoints: ["%s", "%s"]}
              aliases:
                production: {weights: {v1: 100}, stable: v1}
          """.formatted(accessLog, a.url(), b.url()));
      Map<String, String> urls = Map.of("a", a.url(), "b", b.url());
      try (Socket socket = RawHttp.connect(harness.gateway.port())) {
        for (int round = 0; round < ROUNDS; round++) {
          ByteArrayOutputStream all = new ByteArrayOutputStream();
          for (int i = 0; i < PIPELINED; i++) {
            String id = "pipelined-" + round + "-" + i;
            String body = "{\"model\":\"m\",\"user\":\"" + id + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            all.write(("POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\nx-request-id: " + id
                + "\r\ncontent-length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
          }
          socket.getOutputStream().write(all.toByteArray());
          for (int i = 0; i < PIPELINED; i++) {
            assertThat(RawHttp.readResponse(socket.getInputStream()).status()).isEqualTo(200);
          }
        }
      }
      for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < PIPELINED; i++) {
          String id = "pipelined-" + round + "-" + i;
          JsonNode record = GatewayHarness.awaitLogRecord(accessLog, id);
          assertThat(record.path("endpoint").asText()).as(id).isEqualTo(urls.get(servedBy.get(id)));
          assertThat(record.path("status").asInt()).as(id).isEqualTo(200);
        }
      }
      assertThat(Files.readAllLines(accessLog)).hasSize(ROUNDS * PIPELINED);
    }
  }

  private static FaultyBackend.Fault served(Map<String, String> servedBy, String backend, FaultyBackend.Request request) {
    Matcher user = USER.matcher(request.body());
    if (user.find()) {
      servedBy.put(user.group(1), backend);
    }
    return new FaultyBackend.Answer(1);
  }
}
