package dev.modelgate.benchmarks;

import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.ModelRef;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * a version, with and without a sticky key. Run with {@code -prof gc} to see B/op.
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

  @Setup
  public void buildTable() {
    Map<String, Model> all = new LinkedHashMap<>();
    for (int i = 0; i < models; i++) {
      String name = "model-" + i;
      Map<String, ModelVersion> versions = new LinkedHashMap<>();
      for (String v : List.of("v7", "v8")) {
        versions.put(v, new ModelVersion(v, "s3://bucket/" + name + "/" + v, name, List.of("http://127.0.0.1:" + (9000 + i % 1000)), null, Map.of(), null));
      }
      Alias production = new Alias("production", Map.of("v7", 90, "v8", 10), "v7", 1, null, null);
      all.put(name, new Model(name, "production", null, null, List.of(), versions, Map.of("production", production)));
    }
    table = RoutingTable.build(new Registry(all), RoutingTable.EMPTY, env -> null);
    requested = "model-" + (models / 2) + ":production";
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
  public ModelRef parseModelRef() {
    return ModelRef.parse(requested);
  }
}
