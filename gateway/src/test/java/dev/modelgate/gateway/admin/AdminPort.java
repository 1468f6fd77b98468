package dev.modelgate.gateway.admin;

import static dev.modelgate.gateway.proxy.GatewayHarness.await;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.Ticker;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.gateway.cache.ResponseCache;
import dev.modelgate.gateway.config.AuthConfig;
import dev.modelgate.gateway.metrics.GatewayMetrics;
import dev.modelgate.gateway.config.ConfigException;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.rollout.GuardFleet;
import dev.modelgate.gateway.rollout.RolloutPlans;
import dev.modelgate.gateway.rollout.SloGuard;
import dev.modelgate.gateway.rollout.SloWindows;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.FileLedger;
import dev.modelgate.gateway.state.RoutingState;
import dev.modelgate.gateway.registry.RegistryFollowing;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A real {@link AdminHandler} over a real control plane (an empty registry, a ledger in a temporary
 * directory), served on a loopback port: for tests of the admin port itself that need its router
 * or a readiness check of their own.
 */
final class AdminPort implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final AdminHandler handler;
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final WorkerExecutor writer = vertx.createSharedWorkerExecutor("admin-port-test-writer", 1);
  private final FileLedger ledger;
  private final HttpServer server;

  AdminPort(Path stateDir, List<AuthConfig.AdminToken> tokens, Map<String, String> environment, BooleanSupplier ready) throws IOException {
    ledger = FileLedger.open(stateDir);
    RoutingState routing = new RoutingState(environment::get, url -> EndpointGate.UNGUARDED, table -> {});
    ControlPlane plane = ControlPlane.open(ledger, routing, writer, Registry.EMPTY, Clock.systemUTC(), List.of());
    AdminAuth auth = AdminAuth.from(new AuthConfig(tokens, List.of(), false), environment::get);
    AdminApi api = new AdminApi(auth, routing, plane, new SloGuard(routing, new SloWindows(Ticker.system()), plane, GuardFleet.single("admin-port-test"), metrics, Ticker.system()),
        noPlans(), metrics, new ResponseCache(0, Map.of(), Ticker.system()), Duration.ofSeconds(5), RegistryFollowing.NONE);
    handler = new AdminHandler(vertx, metrics, ready, api, "admin-port-test");
    server = await(vertx.createHttpServer().requestHandler(handler).listen(0, "127.0.0.1"));
  }

  private static RolloutPlans noPlans() {
    try {
      return new RolloutPlans(ConfigLoader.parse("models: {}", "admin-port-test.yaml"));
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.actualPort() + path);
  }

  @Override
  public void close() throws IOException {
    await(server.close());
    writer.close();
    ledger.close();
    metrics.close();
    await(vertx.close());
  }
}
