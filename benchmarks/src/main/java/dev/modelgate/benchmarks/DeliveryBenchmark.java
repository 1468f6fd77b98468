package dev.modelgate.benchmarks;

import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.registry.Segment;
import dev.modelgate.core.registry.SegmentMatcher;
import dev.modelgate.core.rollout.Delivery;
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
 * What segments and mirroring add to the routing pick: an alias without them ({@code none}), with a
 * header segment, with a body-prefix segment, each for a request the segment matches and one it
 * does not; and the per-request mirror decision. Every case should allocate 0 B/op under
 * {@code -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DeliveryBenchmark {
  @Param({"none", "header", "body"})
  String segments;

  private AliasTarget target;
  private SegmentMatcher.Request member;
  private SegmentMatcher.Request other;

  /** A request with one header and one body field, as the proxy's view of it. */
  private record Request(String tier, String user) implements SegmentMatcher.Request {
    @Override
    public String header(String name) {
      return name.equals("x-user-tier") ? tier : null;
    }

    @Override
    public String bodyField(String field) {
      return field.equals("user") ? user : null;
    }
  }

  @Setup
  public void buildTable() {
    List<Segment> declared = switch (segments) {
      case "header" -> List.of(new Segment("internal", new Segment.HeaderValues("x-user-tier", List.of("internal", "staff"))));
      case "body" -> List.of(new Segment("employees", new Segment.BodyPrefix("user", "emp-")));
      default -> List.of();
    };
    RoutingTable base = Tables.ofModels(1);
    Delivery delivery = new Delivery(null, declared, new Delivery.Shadow("v8", 10));
    RoutingTable table = RoutingTable.build(base.registry(), RoutingTable.EMPTY, env -> null, url -> EndpointGate.UNGUARDED,
        Map.of("model-0", Map.of("production", delivery)));
    target = (AliasTarget) table.lookup("model-0");
    member = new Request("staff", "emp-4711");
    other = new Request("free", "cust-4711");
  }

  @Benchmark
  public RouteDecision pickMember() {
    return target.segments().isEmpty() ? target.pick((CharSequence) null) : target.pick(member, null);
  }

  @Benchmark
  public RouteDecision pickOther() {
    return target.segments().isEmpty() ? target.pick((CharSequence) null) : target.pick(other, null);
  }

  @Benchmark
  public RouteDecision mirror() {
    return target.mirror();
  }
}
