package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.sim.SimOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every query of the shipped Grafana dashboard (panels and annotations) against a real scrape of a
 * gateway that has served, mirrored and started a rollout: each series it names is exposed, with
 * every label it filters or groups by, and every literal label value it selects.
 */
class DashboardQueriesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DASHBOARD = Path.of("..", "config", "grafana", "modelgate.json");
  private static final Pattern SERIES = Pattern.compile("\\b((?:modelgate|jvm|process|system)_[a-z0-9_]+)(\\{([^}]*)\\})?");
  private static final Pattern MATCHER = Pattern.compile("([a-z_]+)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
  private static final Pattern BY = Pattern.compile("\\bby \\(([^)]*)\\)");
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? ");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  // Added by Prometheus when it scrapes, never part of the exposition.
  private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

  private static List<String> queries(JsonNode dashboard) {
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    for (JsonNode annotation : dashboard.path("annotations").path("list")) {
      if (annotation.has("expr")) {
        queries.add(annotation.path("expr").asText());
      }
    }
    return queries;
  }

  /** Series name → label name → the values it takes in the scrape. */
  private static Map<String, Map<String, Set<String>>> exposed(String scrape) {
    Map<String, Map<String, Set<String>>> series = new HashMap<>();
    for (String line : scrape.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.find()) {
        continue;
      }
      Map<String, Set<String>> labels = series.computeIfAbsent(sample.group(1), k -> new HashMap<>());
      if (sample.group(3) != null) {
        Matcher label = LABEL.matcher(sample.group(3));
        while (label.find()) {
          labels.computeIfAbsent(label.group(1), k -> new HashSet<>()).add(label.group(2));
        }
      }
    }
    return series;
  }

  @Test
  void everyDashboardQueryNamesSeriesLabelsAndValuesTheGatewayExposes() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      SimOptions fast = SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2);
      String stable = GatewayHarness.url(harness.sim(fast));
      String other = GatewayHarness.url(harness.sim(fast));
      harness.start("""
          server: {port: 0, admin_port: 0, host: 127.0.0.1}
          access_log: "off"
          auth: {admin_tokens: [{token_env: OPS_TOKEN, role: operator}]}
          models:
            assistant:
              versions:
                v7: {artifact: "s3://m/v7", served_model: m, endpoints: [%s]}
                v8: {artifact: "s3://m/v8", served_model: m, endpoints: [%s]}
                v9: {artifact: "s3://m/v9", served_model: m, endpoints: [%s]}
              aliases:
                production:
                  weights: {v7: 100}
                  stable: v7
                  slo: {window: 60s, evaluation_interval: 30s, min_requests: 1000}
                  shadow: {version: v9, percent: 100}
                  rollout: {steps: [50, 100], step_interval: 10m}
          """.formatted(stable, other, other), Map.of("OPS_TOKEN", "ops-secret"));
      for (boolean stream : new boolean[] {false, true, false}) {
        HttpResponse<String> answer = harness.http().send(HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"assistant\",\"stream\":" + stream
                + ",\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      }
      harness.awaitMetric(3, "modelgate_shadow_requests_total", "model", "assistant", "version", "v9", "outcome", "success");
      HttpResponse<String> started = harness.admin("POST", "/admin/v1/models/assistant/aliases/production/rollouts", "ops-secret",
          "{\"version\":\"v8\"}");
      assertThat(started.statusCode()).as(started.body()).isEqualTo(201);

      // Micrometer registers the GC pause timer at the JVM's first collection after the binder: have one.
      System.gc();
      harness.awaitMetric(1, "modelgate_rollout_state", "model", "assistant", "alias", "production", "state", "running");
      long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
      Map<String, Map<String, Set<String>>> exposed = exposed(harness.get(harness.adminUri("/metrics")).body());
      while (!exposed.containsKey("jvm_gc_pause_seconds_sum") && System.nanoTime() < deadline) {
        System.gc();
        exposed = exposed(harness.get(harness.adminUri("/metrics")).body());
      }
      List<String> problems = new ArrayList<>();
      List<String> queries = queries(JSON.readTree(Files.readString(DASHBOARD)));
      assertThat(queries).anyMatch(q -> q.contains("modelgate_rollout_percent")).anyMatch(q -> q.contains("modelgate_rollout_state"))
          .anyMatch(q -> q.contains("modelgate_shadow_requests_total"));
      for (String query : queries) {
        Set<String> labelsOfQuery = new HashSet<>(TARGET_LABELS);
        Matcher series = SERIES.matcher(query);
        while (series.find()) {
          Map<String, Set<String>> labels = exposed.get(series.group(1));
          if (labels == null) {
            problems.add(query + ": no series " + series.group(1) + " in the scrape");
            continue;
          }
          labelsOfQuery.addAll(labels.keySet());
          Matcher matcher = MATCHER.matcher(series.group(3) == null ? "" : series.group(3));
          while (matcher.find()) {
            String label = matcher.group(1);
            String value = matcher.group(3);
            if (!labels.containsKey(label)) {
              problems.add(query + ": " + series.group(1) + " has no label " + label);
            } else if ((matcher.group(2).equals("=") || matcher.group(2).equals("=~")) && !value.contains("$") && !value.contains(".")) {
              for (String alternative : value.split("\\|")) {
                if (!labels.get(label).contains(alternative)) {
                  problems.add(query + ": " + series.group(1) + " never has " + label + "=\"" + alternative + "\"");
                }
              }
            }
          }
        }
        Matcher by = BY.matcher(query);
        while (by.find()) {
          for (String label : by.group(1).split(",\\s*")) {
            if (!labelsOfQuery.contains(label.strip())) {
              problems.add(query + ": groups by " + label.strip() + ", which none of its series has");
            }
          }
        }
      }
      assertThat(problems).isEmpty();
      assertThat(exposed.get("modelgate_rollout_state").get("state")).contains("running");
      assertThat(exposed.get("modelgate_requests_total").get("route")).contains("shadow", "stable");
    }
  }
}
