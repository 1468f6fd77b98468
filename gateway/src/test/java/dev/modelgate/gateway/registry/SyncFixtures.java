package dev.modelgate.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.webhook.DeliveryPolicy;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What the registries' end-to-end tests share: a gateway following a fake registry, waited on within bounds. */
public final class SyncFixtures {
  public static final Duration LIMIT = Duration.ofSeconds(40);
  public static final SimOptions FAST = SimOptions.defaults().withTtft(Duration.ofMillis(2)).withInterTokenLatency(Duration.ZERO).withTokens(2);
  /** Registry calls in milliseconds: a few quick retries, each attempt bounded at 1 s. */
  public static final DeliveryPolicy QUICK = new DeliveryPolicy(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(600), 10,
      Duration.ofSeconds(1), Duration.ofSeconds(1));
  private static final ObjectMapper JSON = new ObjectMapper();

  private SyncFixtures() {}

  /** The alias as routing sees it now, or {@code null} before the first sync created it. */
  public static Alias alias(Gateway gateway, String model, String alias) {
    var found = gateway.routing().table().registry().models().get(model);
    return found == null ? null : found.aliases().get(alias);
  }

  public static List<AuditEvent> events(Gateway gateway, String model) {
    return GatewayHarness.await(gateway.controlPlane().since(0, 1_000, model, null));
  }

  /** {@code GET /admin/v1/registry}, asserted to answer 200. */
  public static JsonNode registryStatus(GatewayHarness harness, String viewToken) throws Exception {
    HttpResponse<String> answer = harness.admin("GET", "/admin/v1/registry", viewToken, null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  /** {@code modelgate_registry_sync_total{registry, outcome}}. */
  public static double syncs(GatewayHarness harness, String registry, String outcome) {
    try {
      return harness.metric("modelgate_registry_sync_total", "registry", registry, "outcome", outcome);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until the first registry's {@code last_error} contains {@code expected}, checks that its
   * followed alias shows the same error and that {@code secret} is in neither, and returns the error.
   */
  public static String awaitError(GatewayHarness harness, String viewToken, String secret, String expected) throws Exception {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (true) {
      JsonNode registry = registryStatus(harness, viewToken).path("registries").get(0);
      String error = registry.path("last_error").asText("");
      if (error.contains(expected)) {
        assertThat(error).doesNotContain(secret);
        assertThat(registry.path("followed").get(0).path("error").asText()).contains(expected);
        return error;
      }
      assertThat(System.nanoTime()).as("waiting for a last_error with " + expected + ", now: " + error).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  public static void awaitUntil(BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** Sends bursts of requests for {@code model} until {@code done} holds; fails after {@link #LIMIT}. */
  public static void driveUntil(GatewayHarness harness, String model, BooleanSupplier done, String what) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
            .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat(model))).build();
        pending.add(harness.http().sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      }
      pending.forEach(CompletableFuture::join);
    }
  }

  /** Every line the gateway logs (message and exception) while open. */
  public static final class LogCapture implements AutoCloseable {
    private final Logger logger = Logger.getLogger("dev.modelgate");
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        lines.add(record.getMessage() + (record.getThrown() == null ? "" : " " + record.getThrown()));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };

    public LogCapture() {
      logger.addHandler(handler);
    }

    public List<String> lines() {
      return List.copyOf(lines);
    }

    @Override
    public void close() {
      logger.removeHandler(handler);
    }
  }
}
