package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.chat;
import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Editing the config file under load: valid edits apply without a restart, invalid ones are refused, no request fails. */
class HotReloadTest {
  private static final int CLIENTS = 32;
  private static final int EDITS = 20;

  @TempDir
  Path dir;

  private String config(Path state, Simulator sim, int canaryWeight, boolean broken) {
    int stableWeight = broken ? 95 - canaryWeight : 100 - canaryWeight;
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        state: {dir: "%s"}
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: m, endpoints: [%s]}
              v8: {artifact: "s3://m/v8", served_model: m, endpoints: [%s]}
            aliases:
              production: {weights: {v7: %d, v8: %d}, stable: v7}
        """.formatted(state, url(sim), url(sim), stableWeight, canaryWeight);
  }

  // Write-then-rename, as editors save: a reader never sees half a file.
  private static void save(Path file, String text) throws Exception {
    Path temp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), text);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static Gateway startWatching(GatewayHarness harness, Path file, String text) throws Exception {
    save(file, text);
    Gateway gateway = GatewayHarness.await(Gateway.start(harness.vertx, ConfigLoader.load(file), name -> null));
    harness.gateway = gateway;
    GatewayHarness.await(gateway.watchConfig(file, Duration.ofMillis(50)));
    return gateway;
  }

  // The alias as soon as v8 has the percent, or as it is after 10 s.
  private static Alias productionOnceCanaryIs(Gateway gateway, int percent) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Alias production;
    do {
      production = gateway.routing().table().registry().models().get("support-agent").aliases().get("production");
      Thread.sleep(20);
    } while (production.weights().getOrDefault("v8", 0) != percent && System.nanoTime() < deadline);
    return production;
  }

  @Test
  void appliesAnInPlaceEditThatKeepsTheFilesSizeAndModificationTime() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      Simulator sim = harness.sim(SimOptions.defaults());
      Path state = dir.resolve("state");
      Path file = dir.resolve("gateway.yaml");
      Gateway gateway = startWatching(harness, file, config(state, sim, 10, false));
      FileTime saved = Files.getLastModifiedTime(file);

      // As a coarse file-system clock (or a tool restoring times) leaves it: same inode, size and time.
      Files.writeString(file, config(state, sim, 20, false));
      Files.setLastModifiedTime(file, saved);

      assertThat(productionOnceCanaryIs(gateway, 20).weights()).isEqualTo(Map.of("v7", 80, "v8", 20));
    }
  }

  @Test
  void appliesValidEditsAndRefusesInvalidOnesWithoutFailingARequest() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      Simulator sim = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2));
      Path state = dir.resolve("state");
      Path file = dir.resolve("gateway.yaml");
      Gateway gateway = startWatching(harness, file, config(state, sim, 10, false));

      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger answered = new AtomicInteger();
      List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(CompletableFuture.runAsync(() -> {
          while (running.get() && answered.get() < 200_000) {
            try {
              HttpResponse<String> response = harness.http.send(HttpRequest.newBuilder(harness.uri("/v1/chat/completions"))
                  .timeout(GatewayHarness.WAIT).POST(HttpRequest.BodyPublishers.ofString(chat("support-agent"))).build(),
                  HttpResponse.BodyHandlers.ofString());
              if (response.statusCode() != 200) {
                failures.add(response.statusCode() + " " + response.body());
              }
              answered.incrementAndGet();
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }
        }));
      }
      int lastValidCanary = 10;
      for (int edit = 1; edit <= EDITS; edit++) {
        boolean broken = edit % 4 == 0;
        save(file, config(state, sim, edit, broken));
        if (!broken) {
          lastValidCanary = edit;
        }
        Thread.sleep(100);
      }
      int expected = lastValidCanary;
      Alias production = productionOnceCanaryIs(gateway, expected);
      running.set(false);
      CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).join();

      assertThat(failures).isEmpty();
      assertThat(answered.get()).isPositive();
      assertThat(production.weights()).isEqualTo(Map.of("v7", 100 - expected, "v8", expected));
    }
  }
}
