package dev.modelgate.gateway.proxy;

import dev.modelgate.benchmarks.Tables;
import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import java.nio.charset.StandardCharsets;
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
 * The body scan that finds {@code model} and {@code stream} in every request, alone and followed by
 * the routing pick in a table of 10,000 models. In the gateway's package because the scan is
 * package-private there. Run with {@code -prof gc} to see B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BodyScanBenchmark {
  private static final int MODELS = 10_000;
  private static final String MODEL = "model-4711:production";

  /** chat: a short chat completion; stream: the same with {@code stream: true}; history: ~16 KB. */
  @Param({"chat", "stream", "history"})
  String body;

  private byte[] bytes;
  private RoutingTable table;

  @Setup
  public void setUp() {
    String messages = "[{\"role\":\"system\",\"content\":\"You are a helpful assistant for an online shop.\"},"
        + "{\"role\":\"user\",\"content\":\"Where is my order #4711? It was due yesterday.\"}]";
    String json = switch (body) {
      case "chat" -> "{\"model\":\"" + MODEL + "\",\"messages\":" + messages + ",\"temperature\":0.2,\"max_tokens\":256,\"user\":\"u-42\"}";
      case "stream" -> "{\"model\":\"" + MODEL + "\",\"messages\":" + messages
          + ",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"user\":\"u-42\"}";
      case "history" -> "{\"messages\":" + history() + ",\"max_tokens\":512,\"user\":\"u-42\",\"model\":\"" + MODEL + "\"}";
      default -> throw new IllegalArgumentException(body);
    };
    bytes = json.getBytes(StandardCharsets.UTF_8);
    table = Tables.ofModels(MODELS);
  }

  /** 40 turns of ~400 characters, with the model last so the scan must skip all of them. */
  private static String history() {
    StringBuilder out = new StringBuilder("[");
    String text = "The parcel left the warehouse on Monday and is now with the carrier; tracking says \\\"in transit\\\". ".repeat(4);
    for (int i = 0; i < 40; i++) {
      out.append(i == 0 ? "" : ",").append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant")
          .append("\",\"content\":\"").append(text).append(i).append("\"}");
    }
    return out.append(']').toString();
  }

  @Benchmark
  public BodyScan scan() {
    return BodyScan.scan(bytes, bytes.length, null);
  }

  /** The second pass the proxy makes when an alias reads its sticky key from a body field. */
  @Benchmark
  public BodyScan scanForStickyField() {
    return BodyScan.scan(bytes, bytes.length, "user");
  }

  /** Scan, then route on the fresh {@code model} string (so its hash is computed, as in production). */
  @Benchmark
  public RouteDecision scanAndRoute() {
    BodyScan scan = BodyScan.scan(bytes, bytes.length, null);
    return ((AliasTarget) table.lookup(scan.model)).pick();
  }
}
