package dev.modelgate.benchmarks;

import dev.modelgate.core.Ticker;
import dev.modelgate.core.slo.SloWindow;
import dev.modelgate.core.slo.WindowSnapshot;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * The SLO window: {@code record} runs on every finished request, from every event loop at once;
 * {@code snapshot} runs once per version and evaluation. Both read the system ticker, as in the
 * gateway. Run with {@code -prof gc}: {@code record} should allocate 0 B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SloWindowBenchmark {
  @Param({"12", "60"})
  int buckets;

  private SloWindow window;
  private long[] latencies;

  /** Each thread walks the latencies on its own, so threads share only the window. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  @Setup
  public void fillWindow() {
    window = new SloWindow(Duration.ofSeconds(60), buckets, Ticker.system());
    latencies = new long[1024];
    for (int i = 0; i < latencies.length; i++) {
      // Spread from 1 ms to 10 s, so records touch many latency counters as real traffic does.
      latencies[i] = (long) (1_000_000 * Math.pow(10_000, i / (double) latencies.length));
    }
    for (int i = 0; i < 100_000; i++) {
      window.record(latencies[i % latencies.length], i % 50 == 0);
    }
  }

  @Benchmark
  public void record(Cursor cursor) {
    int i = cursor.next++ & (latencies.length - 1);
    window.record(latencies[i], i == 0);
  }

  @Benchmark
  @Threads(4)
  public void recordFromFourThreads(Cursor cursor) {
    record(cursor);
  }

  @Benchmark
  public WindowSnapshot snapshot() {
    return window.snapshot();
  }
}
