package dev.modelgate.gateway.sim;

import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.server.Listeners;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
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
 * <p>So that a benchmark measures the gateway and not its backend, one listener runs per core, all
 * sharing one port ({@link Listeners}).
 */
public final class Simulator {
  private static final int LISTENERS = Runtime.getRuntime().availableProcessors();

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
    HttpServerOptions listen = new HttpServerOptions().setHost(options.host()).setPort(options.port());
    return Listeners.deploy(vertx, listen, handler, LISTENERS, Duration.ZERO).map(deployed -> {
      simulator.deploymentId = deployed.deploymentId();
      simulator.port = deployed.port();
      return simulator;
    });
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
