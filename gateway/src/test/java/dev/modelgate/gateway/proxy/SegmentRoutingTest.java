package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments on a real gateway (docs/configuration.md#segments): a request a segment matches, by
 * header or by a body field's prefix, is answered with {@code x-modelgate-segment} and logged with
 * {@code segment}; other requests carry neither; an edit of the segments alone applies at once.
 */
class SegmentRoutingTest {
  private static final SimOptions FAST = SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2);

  @TempDir
  Path dir;

  private String config(Path accessLog, Simulator sim, String segments) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "%s"
        state: {dir: "%s"}
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m7, endpoints: [%s]}
              v8: {artifact: "s3://m/v8", served_model: m8, endpoints: [%s]}
            aliases:
              production:
                weights: {v7: 100}
                stable: v7
                segments: %s
        """.formatted(accessLog, dir.resolve("state"), url(sim), url(sim), segments);
  }

  private static void save(Path file, String text) throws Exception {
    Path temp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), text);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String chatAs(String user) {
    return "{\"model\":\"support-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"user\":\"" + user + "\"}";
  }

  @Test
  void tagsAndLogsTheSegmentThatRoutedByHeaderOrBodyPrefix() throws Exception {
    Path accessLog = dir.resolve("access.jsonl");
    try (GatewayHarness harness = new GatewayHarness()) {
      harness.start(config(accessLog, harness.sim(FAST),
          "{internal: {header: x-user-tier, values: [internal, staff]}, employees: {body: user, prefix: \"emp-\"}}"));

      HttpResponse<String> staff = harness.post("/v1/chat/completions", chatAs("cust-1"), "x-user-tier", "staff", "x-request-id", "staff-1");
      HttpResponse<String> employee = harness.post("/v1/chat/completions", chatAs("emp-42"), "x-request-id", "employee-1");
      HttpResponse<String> customer = harness.post("/v1/chat/completions", chatAs("temp-42"), "x-user-tier", "free", "x-request-id", "customer-1");

      assertThat(staff.statusCode()).isEqualTo(200);
      assertThat(staff.headers().firstValue("x-modelgate-segment")).hasValue("internal");
      assertThat(employee.statusCode()).isEqualTo(200);
      assertThat(employee.headers().firstValue("x-modelgate-segment")).hasValue("employees");
      assertThat(employee.headers().firstValue("x-modelgate-version")).hasValue("v7");
      assertThat(customer.statusCode()).isEqualTo(200);
      assertThat(customer.headers().firstValue("x-modelgate-segment")).isEmpty();
      JsonNode staffRecord = GatewayHarness.awaitLogRecord(accessLog, "staff-1");
      assertThat(staffRecord.path("segment").asText()).isEqualTo("internal");
      assertThat(GatewayHarness.awaitLogRecord(accessLog, "employee-1").path("segment").asText()).isEqualTo("employees");
      assertThat(GatewayHarness.awaitLogRecord(accessLog, "customer-1").has("segment")).isFalse();
    }
  }

  @Test
  void anEditOfTheSegmentsAloneAppliesWithoutARestart() throws Exception {
    Path accessLog = dir.resolve("access.jsonl");
    Path file = dir.resolve("gateway.yaml");
    try (GatewayHarness harness = new GatewayHarness()) {
      Simulator sim = harness.sim(FAST);
      save(file, config(accessLog, sim, "{internal: {header: x-user-tier, values: [internal]}}"));
      Gateway gateway = GatewayHarness.await(Gateway.start(harness.vertx, ConfigLoader.load(file), name -> null));
      harness.gateway = gateway;
      GatewayHarness.await(gateway.watchConfig(file, Duration.ofMillis(50)));
      assertThat(harness.post("/v1/chat/completions", chatAs("a"), "x-user-tier", "staff").headers().firstValue("x-modelgate-segment")).isEmpty();

      save(file, config(accessLog, sim, "{internal: {header: x-user-tier, values: [internal, staff]}}"));

      long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
      String segment = null;
      while (segment == null && System.nanoTime() < deadline) {
        segment = harness.post("/v1/chat/completions", chatAs("a"), "x-user-tier", "staff").headers().firstValue("x-modelgate-segment").orElse(null);
        Thread.sleep(segment == null ? 50 : 0);
      }
      assertThat(segment).isEqualTo("internal");
    }
  }
}
