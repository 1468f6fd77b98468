package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Endpoints that fail stop getting traffic and get it back once they recover: the passive circuit
 * breaker (5xx answers) and the active health check, counted at real backends on loopback.
 */
class EndpointBreakerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long DEADLINE_MILLIS = 15_000;
  private static final GatewayHarness harness = new GatewayHarness();
  // Breakers that stay open for the whole test, however slow the machine.
  private static final GatewayHarness lasting = new GatewayHarness();
  private static final Backend good = new Backend();
  private static final Backend flaky = new Backend();
  private static final Backend down1 = new Backend();
  private static final Backend down2 = new Backend();
  private static final Backend other = new Backend();
  private static final Backend checked = new Backend();
  private static final Backend sick = new Backend();

  /** A backend that counts the chat requests it receives and answers them, and /health, with settable statuses. */
  static final class Backend {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger healthChecks = new AtomicInteger();
    volatile int status = 200;
    volatile int health = 200;
    HttpServer server;

    void start() {
      server = GatewayHarness.await(harness.vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(b -> {
        if (request.path().equals("/health")) {
          healthChecks.incrementAndGet();
          request.response().setStatusCode(health).end();
          return;
        }
        calls.incrementAndGet();
        request.response().setStatusCode(status).putHeader("content-type", "application/json")
            .end(status == 200 ? "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[]}" : "{\"error\":{\"message\":\"boom\"}}");
      })).listen(0, "127.0.0.1"));
    }

    String url() {
      return "\"http://127.0.0.1:" + server.actualPort() + "\"";
    }
  }

  @BeforeAll
  static void start() throws Exception {
    for (Backend backend : new Backend[] {good, flaky, down1, down2, other, checked, sick}) {
      backend.start();
    }
    harness.start("""
        server:
          port: 0
          admin_port: 0
          host: 127.0.0.1
          circuit_breaker: {window: 4, min_calls: 4, failure_rate: 0.5, open_for: 2s, half_open_probes: 2}
        access_log: "off"
        models:
          flaky:
            versions:
              v1: {artifact: "s3://m/f", served_model: f, endpoints: [%s, %s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
          checked:
            versions:
              v1:
                artifact: "s3://m/c"
                served_model: c
                endpoints: [%s, %s]
                health_check: {path: /health, interval: 100ms, timeout: 1s}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(good.url(), flaky.url(), checked.url(), sick.url()));
    lasting.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, circuit_breaker: {window: 4, min_calls: 4, open_for: 1m}}
        access_log: "off"
        models:
          down:
            versions:
              v1: {artifact: "s3://m/d1", served_model: d, endpoints: [%s, %s]}
              v2: {artifact: "s3://m/d2", served_model: d, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 50, v2: 50}, stable: v2}
        """.formatted(down1.url(), down2.url(), other.url()));
  }

  @AfterAll
  static void stop() {
    lasting.close();
    harness.close();
  }

  @Test
  void stopsSendingToAnEndpointAnswering500sAndTakesItBackAfterSuccessfulProbes() throws Exception {
    flaky.status = 500;
    awaitTrue("flaky endpoint opened", () -> {
      send("flaky");
      return breakerState("flaky", "v1", flaky) == 2;
    });
    int flakyCalls = flaky.calls.get();
    assertThat(flakyCalls).isGreaterThanOrEqualTo(4);
    assertThat(breakerState("flaky", "v1", good)).isZero();

    int goodBefore = good.calls.get();
    for (int i = 0; i < 10; i++) {
      assertThat(send("flaky").statusCode()).isEqualTo(200);
    }
    assertThat(flaky.calls.get()).as("an open endpoint gets no traffic").isEqualTo(flakyCalls);
    assertThat(good.calls.get() - goodBefore).isEqualTo(10);

    flaky.status = 200;
    awaitTrue("flaky endpoint closed again after open_for and two good probes", () -> {
      send("flaky");
      return breakerState("flaky", "v1", flaky) == 0;
    });
    int recovered = flaky.calls.get();
    for (int i = 0; i < 20; i++) {
      assertThat(send("flaky").statusCode()).isEqualTo(200);
    }
    assertThat(flaky.calls.get()).as("a closed endpoint shares the load again").isGreaterThan(recovered);
  }

  @Test
  void answers503WithTheVersionHeadersWhenEveryEndpointIsOpenAndNeverSwitchesVersion() throws Exception {
    down1.status = 500;
    down2.status = 500;
    awaitTrue("both endpoints of down:v1 open", () -> {
      send(lasting, "down");
      return breakerState(lasting, "down", "v1", down1) == 2 && breakerState(lasting, "down", "v1", down2) == 2;
    });
    int downCalls = down1.calls.get() + down2.calls.get();
    int otherBefore = other.calls.get();
    int v1Answers = 0;
    int v2Answers = 0;

    for (int i = 0; i < 40; i++) {
      HttpResponse<String> response = send(lasting, "down");
      String version = response.headers().firstValue("x-modelgate-version").orElseThrow();
      if (version.equals("v2")) {
        v2Answers++;
        assertThat(response.statusCode()).isEqualTo(200);
        continue;
      }
      v1Answers++;
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("x-modelgate-model")).hasValue("down");
      assertThat(response.headers().firstValue("x-modelgate-alias")).hasValue("production");
      assertThat(response.headers().firstValue("x-modelgate-route")).hasValue("canary");
      JsonNode error = JSON.readTree(response.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("no_healthy_endpoint");
      assertThat(error.path("type").asText()).isEqualTo("server_error");
      assertThat(error.path("message").asText()).contains("down:v1");
    }

    assertThat(v1Answers).isPositive();
    assertThat(other.calls.get() - otherBefore).as("v2 serves only the requests the split gave it").isEqualTo(v2Answers);
    assertThat(down1.calls.get() + down2.calls.get()).isEqualTo(downCalls);
    assertThat(metric(lasting, "modelgate_upstream_errors_total", Map.of("model", "down", "version", "v1", "kind", "no_healthy_endpoint")))
        .isGreaterThanOrEqualTo(v1Answers);
  }

  @Test
  void takesAnEndpointFailingItsHealthCheckOutUntilTheCheckPassesAgain() throws Exception {
    awaitTrue("checks under way", () -> sick.healthChecks.get() >= 3 && endpointHealthy("checked", "v1", sick) == 1);
    sick.health = 503;
    long start = System.nanoTime();
    awaitTrue("sick endpoint reported unhealthy", () -> endpointHealthy("checked", "v1", sick) == 0);
    // Checks run every 100 ms: a couple of intervals, with slack for a busy machine.
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_000);
    int sickCalls = sick.calls.get();
    for (int i = 0; i < 20; i++) {
      assertThat(send("checked").statusCode()).isEqualTo(200);
    }
    assertThat(sick.calls.get()).as("an endpoint failing its health check gets no traffic").isEqualTo(sickCalls);
    assertThat(endpointHealthy("checked", "v1", checked)).isEqualTo(1);

    sick.health = 200;
    awaitTrue("sick endpoint gets traffic again", () -> {
      send("checked");
      return sick.calls.get() > sickCalls;
    });
    assertThat(endpointHealthy("checked", "v1", sick)).isEqualTo(1);
  }

  private static HttpResponse<String> send(String model) {
    return send(harness, model);
  }

  private static HttpResponse<String> send(GatewayHarness gateway, String model) {
    try {
      return gateway.post("/v1/chat/completions", chat(model));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static double breakerState(String model, String version, Backend backend) {
    return breakerState(harness, model, version, backend);
  }

  private static double breakerState(GatewayHarness gateway, String model, String version, Backend backend) {
    return metric(gateway, "modelgate_endpoint_breaker_state", Map.of("model", model, "version", version, "endpoint", unquoted(backend)));
  }

  private static double endpointHealthy(String model, String version, Backend backend) {
    return metric(harness, "modelgate_endpoint_healthy", Map.of("model", model, "version", version, "endpoint", unquoted(backend)));
  }

  private static String unquoted(Backend backend) {
    return backend.url().replace("\"", "");
  }

  private static double metric(GatewayHarness gateway, String name, Map<String, String> labels) {
    try {
      return MetricsExpositionTest.value(MetricsExpositionTest.scrape(gateway), name, labels);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE_MILLIS * 1_000_000;
    for (int attempt = 0; attempt < 10_000; attempt++) {
      if (condition.getAsBoolean()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("timed out waiting until " + what);
  }
}
