package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** While a stream waits for its first token, the client receives SSE comment pings, and none after. */
class SsePingTest {
  private static final GatewayHarness harness = new GatewayHarness();

  @BeforeAll
  static void start() throws Exception {
    Simulator slowFirstToken = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(600)).withInterTokenLatency(Duration.ofMillis(1)).withTokens(3));
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1, sse_ping_interval: 100ms}
        access_log: "off"
        models:
          thinker:
            versions:
              v1: {artifact: "s3://m/v1", served_model: thinker, endpoints: [%s]}
            aliases:
              production: {weights: {v1: 100}, stable: v1}
        """.formatted(url(slowFirstToken)));
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  @Test
  void pingsAStreamUntilItsFirstTokenArrives() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(harness.uri("/v1/chat/completions")).timeout(GatewayHarness.WAIT)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"thinker\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .build();
    List<String> lines = harness.http.send(request, HttpResponse.BodyHandlers.ofLines()).body()
        .filter(line -> !line.isEmpty())
        .collect(Collectors.toList());

    int firstData = lines.indexOf(lines.stream().filter(l -> l.startsWith("data:")).findFirst().orElseThrow());
    assertThat(lines.subList(0, firstData)).hasSizeGreaterThanOrEqualTo(3).allMatch(": ping"::equals);
    assertThat(lines.subList(firstData, lines.size())).noneMatch(l -> l.startsWith(":"));
    assertThat(lines.get(lines.size() - 1)).isEqualTo("data: [DONE]");
  }
}
