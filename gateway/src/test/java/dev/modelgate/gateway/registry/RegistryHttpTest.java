package dev.modelgate.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.webhook.DeliveryPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RegistryHttpTest {
  private static final DeliveryPolicy POLICY = new DeliveryPolicy(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofSeconds(10), 1,
      Duration.ofSeconds(5), Duration.ofSeconds(5));

  @Test
  void aRetryDueAfterTheClientClosedFailsTheCallInsteadOfLeavingItWaiting() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer busy = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
          .requestHandler(request -> request.response().setStatusCode(503).end("try later"));
      busy.listen().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      WebClient web = WebClient.create(vertx);
      AtomicInteger attempts = new AtomicInteger();
      var answer = new RegistryHttp(vertx, POLICY, "mlflow").send("GET registered-models/alias", () -> {
        if (attempts.incrementAndGet() == 2) {
          web.close(); // the gateway stops while the retry waits
        }
        return web.getAbs("http://127.0.0.1:" + busy.actualPort() + "/api/2.0/mlflow/registered-models/alias");
      }, null);

      Throwable failure = answer.toCompletionStage().toCompletableFuture().handle((ok, e) -> e).get(20, TimeUnit.SECONDS);
      assertThat(attempts).hasValue(2);
      assertThat(failure).isInstanceOf(RegistryException.class)
          .hasMessage("mlflow: GET registered-models/alias failed: Client is closed");
      assertThat(((RegistryException) failure).retryable()).isFalse();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }
}
