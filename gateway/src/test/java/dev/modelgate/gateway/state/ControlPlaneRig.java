package dev.modelgate.gateway.state;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Registry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the ControlPlane tests share, made anew for each test ({@code @RegisterExtension}): a control
 * plane on a file ledger in a directory of its own, its one-thread writer, the tables it installs
 * (counted) and the events it tells (kept).
 */
final class ControlPlaneRig implements BeforeEachCallback, AfterEachCallback {
  final AtomicInteger tablesInstalled = new AtomicInteger();
  final List<AuditEvent> told = new ArrayList<>();
  WorkerExecutor writer;
  FileLedger ledger;
  Path dir;

  private Vertx vertx;

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("control-plane-test");
    vertx = Vertx.vertx();
    writer = vertx.createSharedWorkerExecutor("control-plane-test", 1);
  }

  RoutingState routing() {
    return new RoutingState(name -> null, url -> EndpointGate.UNGUARDED, table -> tablesInstalled.incrementAndGet());
  }

  /** Opens the ledger in {@code dir} (again, after {@link #closeLedger}) and a control plane on it declaring {@code declared}. */
  ControlPlane open(RoutingState routing, Registry declared) throws IOException {
    ledger = FileLedger.open(dir);
    return ControlPlane.open(ledger, routing, writer, declared, Clock.systemUTC(), List.of(told::add));
  }

  void closeLedger() throws IOException {
    ledger.close();
    ledger = null;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (ledger != null) {
      ledger.close();
    }
    writer.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
