package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An edit of an alias's {@code cache} in a watched config file turns its cache on and off without a restart. */
class CacheHotReloadTest {
  private static final String EMBED = "{\"model\":\"emb\",\"input\":\"reloaded\"}";

  @TempDir
  Path dir;

  private String config(Simulator sim, String cache) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        state: {dir: "%s"}
        models:
          emb:
            versions:
              v1: {artifact: "hf://emb/v1", served_model: emb, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, cache: %s}
        """.formatted(dir.resolve("state"), url(sim), cache);
  }

  private static void save(Path file, String text) throws Exception {
    Path temp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), text);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  // Posts until the answer's x-modelgate-cache is present or not, as wanted, within GatewayHarness.WAIT.
  private static HttpResponse<String> postUntil(GatewayHarness harness, boolean cached) throws Exception {
    long deadline = System.nanoTime() + GatewayHarness.WAIT.toNanos();
    HttpResponse<String> answer;
    do {
      answer = harness.post("/v1/embeddings", EMBED);
      if (answer.headers().firstValue("x-modelgate-cache").isPresent() == cached) {
        return answer;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("x-modelgate-cache still " + answer.headers().firstValue("x-modelgate-cache"));
  }

  @Test
  void anEditTurnsAnAliasCacheOnAndOff() throws Exception {
    try (GatewayHarness harness = new GatewayHarness()) {
      Simulator sim = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)));
      Path file = dir.resolve("gateway.yaml");
      save(file, config(sim, "null"));
      Gateway gateway = GatewayHarness.await(Gateway.start(harness.vertx, ConfigLoader.load(file), name -> null));
      harness.gateway = gateway;
      GatewayHarness.await(gateway.watchConfig(file, Duration.ofMillis(50)));
      assertThat(harness.post("/v1/embeddings", EMBED).headers().firstValue("x-modelgate-cache")).isEmpty();

      save(file, config(sim, "{ttl: 10m, paths: [embeddings]}"));
      postUntil(harness, true);
      long served = sim.requestsServed();
      assertThat(harness.post("/v1/embeddings", EMBED).headers().firstValue("x-modelgate-cache")).isEqualTo(Optional.of("hit"));
      assertThat(sim.requestsServed()).isEqualTo(served);

      save(file, config(sim, "null"));
      postUntil(harness, false);
      served = sim.requestsServed();
      harness.post("/v1/embeddings", EMBED);
      assertThat(sim.requestsServed()).as("off again: every request reaches the backend").isEqualTo(served + 1);
    }
  }
}
