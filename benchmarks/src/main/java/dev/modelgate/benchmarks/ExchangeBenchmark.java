package dev.modelgate.benchmarks;

import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.server.Gateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole non-streamed request through a real gateway on loopback — client socket, Netty codec
 * and pipeline, body scan, routing, upstream pool, relay, metrics, SLO window and access log (to a
 * file) — against a raw backend ({@link RawHttp}). {@code via=direct} sends the same request
 * straight to the backend: the client and backend's own cost, so the gateway's garbage per request
 * is {@code gc.alloc.rate.norm} of {@code gateway} minus that of {@code direct}. Run with
 * {@code -prof gc}; the ns/op figures are serial loopback round trips and only mean something on a
 * quiet machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m", "-XX:+UseSerialGC"})
public class ExchangeBenchmark {
  static final String CHAT_ANSWER = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1767225600,"
      + "\"model\":\"bench-model\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
      + "\"content\":\"Thanks for reaching out. Your order left our warehouse on Monday and is with the carrier now; the tracking "
      + "page shows it arriving on Thursday before noon. If it has not arrived by Friday, reply here and we will send a "
      + "replacement at no cost.\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
      + "\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":64,\"total_tokens\":88}}";
  private static final String EMBEDDINGS_ANSWER = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":"
      + "[0.0123,-0.0456,0.0789,-0.0112,0.0345,-0.0678,0.0901,-0.0234,0.0567,-0.0890,0.0121,-0.0343,0.0565,-0.0787,0.0909,-0.0131]}],"
      + "\"model\":\"bench-model\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}";
  static final String CHAT = "{\"model\":\"bench\",\"messages\":[{\"role\":\"user\",\"content\":\"Where is my order? "
      + "It was due on Monday.\"}],\"max_tokens\":64}";
  private static final String EMBEDDINGS = "{\"model\":\"bench\",\"input\":\"Where is my order? It was due on Monday.\"}";

  /** chat: POST /v1/chat/completions; embeddings: POST /v1/embeddings. */
  @Param({"chat", "embeddings"})
  String request;

  /** gateway: through modelgate; direct: straight to the backend (the baseline to subtract). */
  @Param({"gateway", "direct"})
  String via;

  private RawHttp.Backend backend;
  private Gateway gateway;
  private RawHttp.Client client;
  private byte[] bytes;
  private Path work;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    backend = new RawHttp.Backend(RawHttp.answer(CHAT_ANSWER), RawHttp.answer(EMBEDDINGS_ANSWER));
    int port = backend.port();
    if (via.equals("gateway")) {
      work = Files.createTempDirectory("modelgate-exchange-benchmark-");
      String yaml = """
          server: {host: 127.0.0.1, port: 0, admin_port: 0}
          state: {kind: file, dir: "%1$s/state"}
          access_log: "%1$s/access.jsonl"
          models:
            bench:
              versions:
                v1: {artifact: "bench://a", served_model: bench-model, endpoints: ["http://127.0.0.1:%2$d"]}
                v2: {artifact: "bench://b", served_model: bench-model, endpoints: ["http://127.0.0.1:%2$d/"]}
              aliases:
                production: {weights: {v1: 90, v2: 10}, stable: v1}
          """.formatted(work, port);
      gateway = Gateway.start(ConfigLoader.parse(yaml, "exchange-benchmark.yaml"), Map.<String, String>of()::get)
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      port = gateway.port();
    }
    client = new RawHttp.Client(port);
    bytes = RawHttp.post(request.equals("chat") ? "/v1/chat/completions" : "/v1/embeddings", request.equals("chat") ? CHAT : EMBEDDINGS);
    client.exchange(bytes);
  }

  @Benchmark
  public void exchange() throws IOException {
    client.exchange(bytes);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    client.close();
    if (gateway != null) {
      gateway.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    backend.close();
  }
}
