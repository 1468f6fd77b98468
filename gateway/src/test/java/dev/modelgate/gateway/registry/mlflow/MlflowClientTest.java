package dev.modelgate.gateway.registry.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.registry.RegistryException;
import dev.modelgate.gateway.registry.RegistryHttp;
import dev.modelgate.gateway.registry.RegistryVersion;
import dev.modelgate.gateway.webhook.DeliveryPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How {@link MlflowClient} reads the answers MLflow servers give, including the ones that differ between stores. */
class MlflowClientTest {
  private static final DeliveryPolicy QUICK = new DeliveryPolicy(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(200), 10,
      Duration.ofSeconds(1), Duration.ofSeconds(1));
  private final Vertx vertx = Vertx.vertx();
  private final AtomicReference<String[]> answer = new AtomicReference<>();
  private final HttpServer server = GatewayHarness.await(vertx.createHttpServer()
      .requestHandler(request -> request.response().setStatusCode(Integer.parseInt(answer.get()[0])).end(answer.get()[1]))
      .listen(0, "127.0.0.1"));
  private final MlflowClient client = new MlflowClient(vertx, new RegistryHttp(vertx, QUICK, "mlflow"),
      "http://127.0.0.1:" + server.actualPort() + "/", "tok");

  @AfterEach
  void close() {
    client.close();
    GatewayHarness.await(vertx.close());
  }

  @Test
  void anAliasTheSqlStoreReportsAsAnInvalidParameterIsUnset() {
    answer.set(new String[] {"400", "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"Registered model alias production not found.\"}"});
    assertThat(GatewayHarness.await(client.aliasTarget("support-agent", "production"))).isEmpty();
  }

  @Test
  void anotherBadRequestIsAFailureNamingTheCall() {
    answer.set(new String[] {"400", "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"Missing value for required parameter 'name'.\"}"});
    Throwable failure = catchThrowable(() -> GatewayHarness.await(client.aliasTarget("support-agent", "production")));
    assertThat(failure).hasRootCauseInstanceOf(RegistryException.class);
    assertThat(rootMessage(failure)).startsWith("mlflow: GET registered-models/alias (support-agent@production) answered 400");
  }

  @Test
  void readsTheVersionItsUriLineageAndTagsIgnoringFieldsItDoesNotUse() {
    answer.set(new String[] {"200", "{\"model_version\":{\"name\":\"support-agent\",\"version\":\"12\",\"source\":\"s3://b/12\","
        + "\"run_id\":\"abc\",\"status\":\"READY\",\"deployment_job_state\":{},\"tags\":[{\"key\":\"dataset\",\"value\":\"tickets-q3\"},"
        + "{\"key\":\"modelgate.status\",\"value\":\"serving\"}],\"aliases\":[\"production\"]}}"});
    Optional<RegistryVersion> seen = GatewayHarness.await(client.aliasTarget("support-agent", "production"));
    RegistryVersion version = seen.orElseThrow();
    assertThat(version.number()).isEqualTo(12);
    assertThat(version.artifact()).isEqualTo("models:/support-agent/12");
    assertThat(version.lineage()).containsEntry("source", "s3://b/12").containsEntry("run_id", "abc");
    assertThat(version.lineage().get("tags")).isEqualTo(java.util.Map.of("dataset", "tickets-q3"));
    assertThat(version.metadata()).containsEntry("dataset", "tickets-q3");
  }

  @Test
  void aVersionThatIsNotANumberIsAnUnexpectedShape() {
    answer.set(new String[] {"200", "{\"model_version\":{\"name\":\"support-agent\",\"version\":\"latest\"}}"});
    Throwable failure = catchThrowable(() -> GatewayHarness.await(client.aliasTarget("support-agent", "production")));
    assertThat(rootMessage(failure)).contains("unexpected shape: model_version.version 'latest' (expected: a version number)");
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
