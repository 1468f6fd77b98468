package dev.modelgate.gateway.sim;

import static java.util.Objects.requireNonNull;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A fake OpenAI-compatible backend (what vLLM serves): chat completions, completions, embeddings,
 * responses and models, whole or streamed as Server-Sent Events, with simulated latency, a
 * deterministic answer and injectable errors. Integration tests, {@code modelgate demo} and the
 * benchmarks run it in place of a real model server.
 *
 * <p>The error rate and the time to first token can be changed while it runs (a canary that starts
 * failing or slows down); a change applies to requests arriving after it. Everything else is fixed
 * by the {@link SimOptions} it started with.
 *
 * <p>So that a benchmark measures the gateway and not its backend, one listener runs per core, each
 * on its own event loop, all sharing one port. Vert.x shares a port among servers that ask for the
 * same one; for an ephemeral port, that means the same negative port number, a key Vert.x binds to
 * one random port. Each simulator takes its own key, so two in one Vert.x instance (the demo's
 * stable and canary) never share a port.
 */
public final class Simulator {
  private static final int LISTENERS = Runtime.getRuntime().availableProcessors();

  /** Far from -1, the key other code would pick, so no one else joins a simulator's port. */
  private static final AtomicInteger NEXT_SHARED_EPHEMERAL_PORT = new AtomicInteger(-10_000);

  private final Vertx vertx;
  private final SimOptions options;
  private final AtomicLong served = new AtomicLong();
  private final List<Consumer<RecordedRequest>> observers = new CopyOnWriteArrayList<>();
  private volatile double errorRate;
  private volatile long ttftNanos;
  private volatile int port;
  private String deploymentId;
  private Future<Void> closed;

  private Simulator(Vertx vertx, SimOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.errorRate = options.errorRate();
    this.ttftNanos = options.ttft().toNanos();
  }

  /** Starts listening; the future completes once the port is bound. */
  public static Future<Simulator> start(Vertx vertx, SimOptions options) {
    requireNonNull(vertx, "vertx");
    requireNonNull(options, "options");
    Simulator simulator = new Simulator(vertx, options);
    SimHandler handler = new SimHandler(vertx, simulator, options);
    int listenPort =
        options.port() == 0 ? NEXT_SHARED_EPHEMERAL_PORT.getAndDecrement() : options.port();
    return vertx
        .deployVerticle(
            () -> new Listener(simulator, handler, listenPort),
            new DeploymentOptions().setInstances(LISTENERS))
        .map(
            id -> {
              simulator.deploymentId = id;
              return simulator;
            });
  }

  /** One event loop's server; undeploying the listeners closes them all. */
  private static final class Listener extends VerticleBase {
    private final Simulator simulator;
    private final SimHandler handler;
    private final int listenPort;

    Listener(Simulator simulator, SimHandler handler, int listenPort) {
      this.simulator = simulator;
      this.handler = handler;
      this.listenPort = listenPort;
    }

    @Override
    public Future<?> start() {
      return vertx
          .createHttpServer()
          .requestHandler(handler)
          .listen(listenPort, simulator.options.host())
          .onSuccess(server -> simulator.port = server.actualPort());
    }
  }

  /** The port it listens on: the one asked for, or the one picked for port 0. */
  public int port() {
    return port;
  }

  /**
   * Stops listening and closes open connections, which ends their streams mid-way. Closing again
   * returns the same future.
   */
  public synchronized Future<Void> close() {
    if (closed == null) {
      closed = vertx.undeploy(deploymentId);
    }
    return closed;
  }

  /**
   * Inference requests received (POSTs to the four {@code /v1} generation and embedding endpoints),
   * whatever their answer: success, 400 or injected 500. Health checks and model listings do not
   * count.
   */
  public long requestsServed() {
    return served.get();
  }

  /** Sets the probability, 0 to 1, that an inference request answers 500. */
  public void errorRate(double rate) {
    SimOptions.checkRate(rate);
    errorRate = rate;
  }

  /** Sets the time to first token. */
  public void ttft(Duration ttft) {
    SimOptions.checkDelay("ttft", ttft);
    ttftNanos = ttft.toNanos();
  }

  /**
   * Adds an observer called with every request, whatever its path, once its body has arrived and
   * before it is answered. It runs on one of the simulator's event loops, possibly on several at
   * once, so it must be quick, thread-safe and never block.
   */
  public void onRequest(Consumer<RecordedRequest> observer) {
    observers.add(requireNonNull(observer, "observer"));
  }

  double errorRate() {
    return errorRate;
  }

  long ttftNanos() {
    return ttftNanos;
  }

  void countServed() {
    served.incrementAndGet();
  }

  void record(HttpServerRequest request, Buffer body) {
    if (observers.isEmpty()) {
      return;
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> header : request.headers()) {
      headers
          .computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), name -> new ArrayList<>(1))
          .add(header.getValue());
    }
    headers.replaceAll((name, values) -> Collections.unmodifiableList(values));
    RecordedRequest recorded =
        new RecordedRequest(
            request.method().name(),
            request.path(),
            Collections.unmodifiableMap(headers),
            body.toString(StandardCharsets.UTF_8));
    for (Consumer<RecordedRequest> observer : observers) {
      observer.accept(recorded);
    }
  }
}
