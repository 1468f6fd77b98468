package dev.modelgate.gateway.log;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The access-log writer's work per request: one record of a routed chat request encoded as its
 * JSON line (to a stream that only counts). In the log's package because the line is
 * package-private there.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccessLineBenchmark {
  private final JsonLine line = new JsonLine();
  private AccessRecord record;
  private OutputStream out;
  private long millis = 1_767_225_600_000L;

  @Setup
  public void setUp(Blackhole blackhole) {
    // Strings of the routing table, the same objects on every record, as the data plane passes them.
    String model = "support-bot";
    String alias = "production";
    String version = "v7";
    String artifact = "s3://models/support-bot/v7";
    String route = "alias:production";
    String endpoint = "http://10.0.0.12:8000";
    record = new AccessRecord(0, "req-5f1c2a9e7b3d4c60", "POST", "/v1/chat/completions", model, alias, version, artifact,
        route, endpoint, 200, 12.345, null, 24L, 64L, null, null, null);
    out = new OutputStream() {
      @Override
      public void write(int b) {
        blackhole.consume(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        blackhole.consume(len);
      }
    };
  }

  @Benchmark
  public void writeLine() throws IOException {
    AccessRecord r = record;
    // A new time each record, as under load (the second's prefix is still reused).
    AccessLog.write(new AccessRecord(millis++, r.requestId(), r.method(), r.path(), r.model(), r.alias(), r.version(),
        r.artifact(), r.route(), r.endpoint(), r.status(), r.latencyMs(), r.ttftMs(), r.promptTokens(), r.completionTokens(),
        r.error(), r.segment(), r.cache()), line, out);
  }
}
