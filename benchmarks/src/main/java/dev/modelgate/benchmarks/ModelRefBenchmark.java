package dev.modelgate.benchmarks;

import dev.modelgate.core.ModelRef;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parsing a {@code model} field into name, alias and version. Routing a known model never parses
 * (the routing table is keyed by every accepted spelling); this runs for admin calls and to explain
 * a model that was not found, so it must stay cheap on hostile input too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ModelRefBenchmark {
  @Param({"support-agent", "support-agent:production", "support-agent@v12"})
  String text;

  @Benchmark
  public ModelRef parse() {
    return ModelRef.parse(text);
  }
}
