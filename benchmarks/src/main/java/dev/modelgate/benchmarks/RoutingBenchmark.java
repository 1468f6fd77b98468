package dev.modelgate.benchmarks;

import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.PinnedTarget;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The routing hot path: find the target of a {@code model} string in a table of N models, then pick
 * a version, with and without a sticky key. Per-request cost must not grow with N. Run with
 * {@code -prof gc} to see B/op.
 *
 * <p>The requested strings are built once, so their hash codes are cached: string hashing is
 * measured with the body scan that creates the string (BodyScanBenchmark#scanAndRoute).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
  @Param({"1", "100", "10000"})
  int models;

  private RoutingTable table;
  private String requested;
  private String pinned;
  /** Requests spread over the whole table, so large tables pay their cache misses. */
  private String[] spread;

  /** Each thread walks {@link #spread} on its own. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  @Setup
  public void buildTable() {
    table = Tables.ofModels(models);
    requested = "model-" + (models / 2) + ":production";
    pinned = "model-" + (models / 2) + ":v8";
    spread = new String[1024];
    for (int i = 0; i < spread.length; i++) {
      spread[i] = "model-" + (int) ((long) i * 7919 % models) + ":production";
    }
  }

  @Benchmark
  public RouteDecision lookupAndPick() {
    return ((AliasTarget) table.lookup(requested)).pick();
  }

  @Benchmark
  public RouteDecision lookupAndPickSticky() {
    return ((AliasTarget) table.lookup(requested)).pick("session-4711");
  }

  @Benchmark
  public RouteDecision lookupAndPickAcrossModels(Cursor cursor) {
    String model = spread[cursor.next++ & (spread.length - 1)];
    return ((AliasTarget) table.lookup(model)).pick();
  }

  @Benchmark
  public RouteDecision lookupPinned() {
    return ((PinnedTarget) table.lookup(pinned)).decision();
  }
}
