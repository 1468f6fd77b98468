package dev.modelgate.gateway.cache;

import dev.modelgate.benchmarks.Tables;
import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.Ticker;
import dev.modelgate.core.cache.CachePath;
import dev.modelgate.core.cache.CachePolicy;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
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
 * What the response cache costs a request: {@code off}, the lookup every request on an alias
 * without a cache makes (should stay a few ns and 0 B/op); {@code hit}, finding a kept answer for a
 * body of the given size (the key is hashed and compared byte for byte). Run with {@code -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseCacheBenchmark {
  private static final int MODELS = 10_000;

  /** Bytes of the forwarded body: a short embeddings request, or a long prompt. */
  @Param({"200", "16384"})
  int bodyBytes;

  private ResponseCache cache;
  private RouteDecision uncached;
  private CacheRoute cached;
  private byte[] body;

  @Setup
  public void setUp() {
    RoutingTable table = Tables.ofModels(MODELS);
    CachePolicy policy = new CachePolicy(Duration.ofMinutes(10), EnumSet.of(CachePath.EMBEDDINGS));
    cache = new ResponseCache(256L << 20, Map.of("model-42", Map.of("production", policy)), Ticker.system());
    cache.routingChanged(table);
    uncached = ((AliasTarget) table.lookup("model-4711")).pick();
    cached = cache.route(((AliasTarget) table.lookup("model-42")).pick());
    StringBuilder text = new StringBuilder("{\"model\":\"model-42\",\"input\":\"");
    while (text.length() < bodyBytes - 2) {
      text.append("lorem ipsum ");
    }
    body = text.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    CacheFill fill = (CacheFill) cached.lookup("/v1/embeddings", -1, body.clone(), false, false);
    fill.capture(Unpooled.wrappedBuffer(new byte[1024]));
    fill.relayed(200, new DefaultHttpHeaders().add("content-type", "application/json"));
  }

  @Benchmark
  public CacheRoute off() {
    return cache.route(uncached);
  }

  @Benchmark
  public CacheLookup hit() {
    return cached.lookup("/v1/embeddings", -1, body, false, false);
  }
}
