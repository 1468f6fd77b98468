package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.sim.SimOptions;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a shadow version receives: the client's request with the shadow's own {@code served_model}
 * and backend key, the client's request id, and never the client's credentials or the primary
 * version's key.
 */
class ShadowCopyTest {
  /** One request as the shadow's backend read it. */
  private record Received(String path, String authorization, String requestId, String body) {}

  @Test
  void theShadowGetsTheRequestWithItsOwnServedModelAndKey() throws Exception {
    BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    try (GatewayHarness harness = new GatewayHarness()) {
      HttpServer shadow = GatewayHarness.await(harness.vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
        received.add(new Received(request.path(), request.getHeader("authorization"), request.getHeader("x-request-id"), body.toString()));
        request.response().putHeader("content-type", "application/json")
            .end("{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"shadowed\"}}]}");
      })).listen(0, "127.0.0.1"));
      String primary = GatewayHarness.url(harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2)));
      harness.start("""
          server: {port: 0, admin_port: 0, host: 127.0.0.1}
          access_log: "off"
          models:
            support-agent:
              versions:
                v7: {artifact: "s3://m/v7", served_model: primary-served, endpoints: [%s], api_key_env: PRIMARY_KEY}
                v8: {artifact: "s3://m/v8", served_model: shadow-served, endpoints: ["http://127.0.0.1:%d"], api_key_env: SHADOW_KEY}
              aliases:
                production: {weights: {v7: 100}, stable: v7, shadow: {version: v8, percent: 100}}
          """.formatted(primary, shadow.actualPort()), Map.of("PRIMARY_KEY", "primary-secret", "SHADOW_KEY", "shadow-secret"));

      HttpResponse<String> answer = harness.post("/v1/chat/completions?api-version=1",
          "{\"model\":\"support-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.2}",
          "authorization", "Bearer client-secret", "x-request-id", "copy-1");

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("x-modelgate-version")).hasValue("v7");
      assertThat(answer.body()).doesNotContain("shadowed");
      Received copy = received.poll(GatewayHarness.WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(copy).as("the shadow's copy").isNotNull();
      assertThat(copy.path()).isEqualTo("/v1/chat/completions");
      assertThat(copy.authorization()).isEqualTo("Bearer shadow-secret");
      assertThat(copy.requestId()).isEqualTo("copy-1");
      assertThat(copy.body()).isEqualTo("{\"model\":\"shadow-served\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.2}");
    }
  }
}
