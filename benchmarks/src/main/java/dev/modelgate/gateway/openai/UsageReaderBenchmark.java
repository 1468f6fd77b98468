package dev.modelgate.gateway.openai;

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
 * The usage scan of every relayed JSON answer: compare.sh's ~600-byte chat.completion in one chunk,
 * the same without usage (scanned to its end), and a long answer (4 KB of text).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UsageReaderBenchmark {
  @Param({"chat", "noUsage", "long"})
  String answer;

  private byte[] bytes;
  private UsageReader reader;

  @Setup
  public void setUp() {
    String usage = ",\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":64,\"total_tokens\":88}";
    String text = switch (answer) {
      case "long" -> "Your order shipped on Monday and should arrive within two days. ".repeat(64);
      default -> "Your order shipped on Monday and should arrive within two days. ".repeat(5);
    };
    String json = "{\"id\":\"chatcmpl-bench-a\",\"object\":\"chat.completion\",\"created\":1767225600,\"model\":\"bench-model\","
        + "\"backend\":\"a\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"" + text + "\"},\"logprobs\":null,\"finish_reason\":\"stop\"}]" + (answer.equals("noUsage") ? "" : usage) + "}";
    bytes = json.getBytes(StandardCharsets.UTF_8);
    reader = UsageReader.forContentType("application/json");
  }

  @Benchmark
  public Long scan() {
    UsageReader r = UsageReader.forContentType("application/json", reader);
    r.feed(bytes, 0, bytes.length);
    return r.completionTokens();
  }
}
