package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scrapes {@code /metrics} after real traffic and checks the docs/metrics.md series, parsed from the exposition. */
class MetricsExpositionTest {
  private static final GatewayHarness harness = new GatewayHarness();

  @BeforeAll
  static void start() throws Exception {
    SimOptions fast = SimOptions.defaults().withTtft(Duration.ofMillis(5)).withInterTokenLatency(Duration.ofMillis(1)).withTokens(5);
    Simulator v7 = harness.sim(fast);
    Simulator v8 = harness.sim(fast);
    int dead;
    try (ServerSocket socket = new ServerSocket(0)) {
      dead = socket.getLocalPort();
    }
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: sa, endpoints: [%s]}
              v8: {artifact: "s3://m/v8", served_model: sa, endpoints: [%s]}
              v9: {artifact: "s3://m/v9", served_model: sa, endpoints: ["http://127.0.0.1:%d"]}
            aliases:
              production: {weights: {v7: 90, v8: 10}, stable: v7}
        """.formatted(url(v7), url(v8), dead));
    for (int i = 0; i < 20; i++) {
      harness.post("/v1/chat/completions", chat("support-agent"));
    }
    harness.post("/v1/chat/completions", "{\"model\":\"support-agent:v7\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}");
    harness.post("/v1/chat/completions", chat("support-agent:v9"));
    for (int i = 0; i < 5; i++) {
      harness.post("/v1/chat/completions", chat("attacker-controlled-name-" + i));
    }
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  record Sample(String name, Map<String, String> labels, double value) {}

  private static List<Sample> scrape() throws Exception {
    return scrape(harness);
  }

  /** Every sample of {@code gateway}'s {@code /metrics}, parsed. */
  static List<Sample> scrape(GatewayHarness gateway) throws Exception {
    List<Sample> samples = new ArrayList<>();
    for (String line : gateway.get(gateway.adminUri("/metrics")).body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = brace < 0 ? line.substring(0, space) : line.substring(0, brace);
      Map<String, String> labels = new LinkedHashMap<>();
      if (brace >= 0) {
        String body = line.substring(brace + 1, line.lastIndexOf('}'));
        for (String pair : body.split("\",")) {
          if (pair.isBlank()) {
            continue;
          }
          int eq = pair.indexOf('=');
          labels.put(pair.substring(0, eq), pair.substring(eq + 2).replaceAll("\"$", ""));
        }
      }
      samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
    }
    return samples;
  }

  static double value(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }

  @Test
  void countsRequestsByRouteAndOutcome() throws Exception {
    List<Sample> samples = scrape();

    double stable = value(samples, "modelgate_requests_total", Map.of("model", "support-agent", "alias", "production", "version", "v7", "route", "stable", "outcome", "success"));
    double canary = value(samples, "modelgate_requests_total", Map.of("model", "support-agent", "alias", "production", "version", "v8", "route", "canary", "outcome", "success"));
    assertThat(stable).isEqualTo(18);
    assertThat(canary).isEqualTo(2);
    assertThat(value(samples, "modelgate_request_duration_seconds_count", Map.of("model", "support-agent", "version", "v7", "alias", "production"))).isEqualTo(18);
    assertThat(value(samples, "modelgate_inflight_requests", Map.of("model", "support-agent", "version", "v7"))).isZero();
  }

  @Test
  void countsReportedTokensAndTimeToFirstTokenOfStreams() throws Exception {
    List<Sample> samples = scrape();

    assertThat(value(samples, "modelgate_tokens_total", Map.of("model", "support-agent", "version", "v8", "kind", "completion"))).isEqualTo(2 * 5);
    assertThat(value(samples, "modelgate_tokens_total", Map.of("model", "support-agent", "version", "v7", "kind", "completion"))).isEqualTo(18 * 5 + 5);
    assertThat(value(samples, "modelgate_tokens_total", Map.of("model", "support-agent", "version", "v7", "kind", "prompt"))).isPositive();
    assertThat(value(samples, "modelgate_time_to_first_token_seconds_count", Map.of("model", "support-agent", "version", "v7"))).isEqualTo(1);
    assertThat(value(samples, "modelgate_overhead_seconds_count", Map.of())).isGreaterThanOrEqualTo(21);
  }

  @Test
  void publishesAliasWeightsRevisionsAndUpstreamErrors() throws Exception {
    List<Sample> samples = scrape();

    assertThat(value(samples, "modelgate_alias_weight", Map.of("model", "support-agent", "alias", "production", "version", "v7"))).isEqualTo(90);
    assertThat(value(samples, "modelgate_alias_weight", Map.of("model", "support-agent", "alias", "production", "version", "v8"))).isEqualTo(10);
    assertThat(value(samples, "modelgate_alias_weight", Map.of("model", "support-agent", "alias", "production", "version", "v9"))).isZero();
    assertThat(value(samples, "modelgate_alias_revision", Map.of("model", "support-agent", "alias", "production"))).isEqualTo(1);
    assertThat(value(samples, "modelgate_upstream_errors_total", Map.of("model", "support-agent", "version", "v9", "kind", "connect"))).isEqualTo(1);
  }

  @Test
  void countsUnknownModelsUnderOneFixedSeriesNeverTheirNames() throws Exception {
    List<Sample> samples = scrape();

    assertThat(samples).noneMatch(s -> s.labels().values().stream().anyMatch(v -> v.contains("attacker")));
    assertThat(value(samples, "modelgate_requests_total", Map.of("model", "unknown", "outcome", "client_error"))).isEqualTo(5);
  }

  /** docs/metrics.md is the reference: every family this scrape exports is named there ({@code _max} with its histogram). */
  @Test
  void everyFamilyOfTheScrapeIsNamedInTheMetricsReference() throws Exception {
    String reference = Files.readString(Path.of("..", "docs", "metrics.md"));
    List<String> families = new ArrayList<>();
    for (String line : harness.get(harness.adminUri("/metrics")).body().split("\n")) {
      if (line.startsWith("# TYPE ")) {
        families.add(line.split(" ")[2]);
      }
    }

    assertThat(families).contains("modelgate_requests_total", "jvm_memory_used_bytes", "process_cpu_usage");
    assertThat(families).allSatisfy(family -> assertThat(named(reference, family.endsWith("_max") ? family.substring(0, family.length() - 4) : family))
        .as(family).isTrue());
  }

  // Named in backquotes, or by a documented prefix such as `jvm_buffer_*`.
  private static boolean named(String reference, String family) {
    if (reference.contains("`" + family + "`")) {
      return true;
    }
    for (int cut = family.indexOf('_'); cut > 0; cut = family.indexOf('_', cut + 1)) {
      if (reference.contains("`" + family.substring(0, cut + 1) + "*`")) {
        return true;
      }
    }
    return false;
  }
}
