package dev.modelgate.benchmarks;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.gateway.config.BreakerConfig;
import dev.modelgate.gateway.upstream.EndpointGuards;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What an endpoint's gate costs a request: admit, acquire, record the outcome (a success; every
 * 16th a failure, below the failure rate, so the breaker stays closed). It must allocate nothing
 * ({@code gc.alloc.rate.norm} 0 B/op) with one event loop or with several recording at once;
 * Resilience4j's lock-free window made a node and a snapshot per outcome. {@code window}: the
 * default count window (20 calls) or a time window of 30 s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m", "-XX:+UseSerialGC"})
public class BreakerBenchmark {
  @Param({"calls", "time"})
  String window;

  private EndpointGate gate;

  @Setup(Level.Trial)
  public void setUp() {
    BreakerConfig defaults = BreakerConfig.defaults();
    BreakerConfig config = window.equals("calls") ? defaults
        : new BreakerConfig(defaults.failureRate(), defaults.minCalls(), 0, Duration.ofSeconds(30), defaults.slowCallDuration(),
            defaults.slowCallRate(), defaults.openFor(), defaults.halfOpenProbes());
    gate = new EndpointGuards(config).apply("http://127.0.0.1:8000");
  }

  /** Per thread, so that every 16th call fails whatever the other threads do. */
  @State(Scope.Thread)
  public static class Calls {
    int n;
  }

  @Benchmark
  public boolean oneCall(Calls calls) {
    return call(calls);
  }

  @Benchmark
  @Threads(4)
  public boolean oneCallFromFourThreads(Calls calls) {
    return call(calls);
  }

  private boolean call(Calls calls) {
    long now = System.nanoTime();
    if (!gate.admits(now) || !gate.tryAcquire()) {
      return false;
    }
    if ((++calls.n & 15) == 0) {
      gate.failed(1_000_000);
    } else {
      gate.succeeded(1_000_000);
    }
    return true;
  }
}
