package dev.modelgate.benchmarks;

import dev.modelgate.gateway.config.ClientLimits;
import dev.modelgate.gateway.proxy.DataPlane;
import dev.modelgate.gateway.upstream.UpstreamPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Netty's HTTP/1.1 codecs alone, configured as the data plane configures them
 * ({@link DataPlane#codec}, {@link UpstreamPool#codec}), over the four messages of one proxied chat
 * request in {@link ExchangeBenchmark}: the client's request decoded, the request to the backend
 * encoded, the backend's answer decoded, the answer to the client encoded. What a hand-written
 * HTTP/1.1 head parser could save is bounded by these figures: bytes of the exchange's garbage and
 * nanoseconds of its CPU. Each runs in an {@link EmbeddedChannel}; {@code passInbound} and
 * {@code passOutbound} are one message through the same channel without a codec, to subtract (once
 * per decode, once per write: {@code encodeResponse} makes two writes, head and body). The client
 * codec decodes answers without their requests here; it then treats each as the answer to a POST. Messages built by the gateway itself (the request
 * and answer objects, its header changes) are made outside the measured code where Netty allows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m", "-XX:+UseSerialGC"})
public class CodecBenchmark {
  private static final PooledByteBufAllocator POOL = PooledByteBufAllocator.DEFAULT;

  private final byte[] clientRequest = RawHttp.post("/v1/chat/completions", ExchangeBenchmark.CHAT);
  private final byte[] backendAnswer = RawHttp.answer(ExchangeBenchmark.CHAT_ANSWER);
  private final byte[] forwardedBody = ExchangeBenchmark.CHAT.replace("\"bench\"", "\"bench-model\"").getBytes(StandardCharsets.UTF_8);
  private final byte[] answerBody = ExchangeBenchmark.CHAT_ANSWER.getBytes(StandardCharsets.UTF_8);
  private EmbeddedChannel server;
  private EmbeddedChannel client;
  private EmbeddedChannel bare;
  private HttpHeaders forwardedHeaders;
  private HttpHeaders answerHeaders;
  private ByteBuf forwardedContent;
  private ByteBuf answerContent;

  @Setup(Level.Trial)
  public void setUp() {
    server = new EmbeddedChannel(DataPlane.codec(ClientLimits.defaults()));
    client = new EmbeddedChannel(UpstreamPool.codec());
    bare = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.fireChannelRead(msg);
      }
    });
    // The heads as the gateway sends them on (ExchangeBenchmark's client, forwarded; the raw backend's answer, tagged).
    forwardedHeaders = new DefaultHttpHeaders(false)
        .add("content-type", "application/json").add("accept", "application/json").add("user-agent", "exchange-benchmark")
        .add("host", "127.0.0.1:8000").add("content-length", forwardedBody.length).add("x-request-id", "0123456789abcdef0123456789abcdef");
    answerHeaders = new DefaultHttpHeaders(false)
        .add("content-type", "application/json").add("content-length", answerBody.length)
        .add("x-request-id", "0123456789abcdef0123456789abcdef").add("x-modelgate-model", "bench").add("x-modelgate-alias", "production")
        .add("x-modelgate-version", "v1").add("x-modelgate-route", "stable");
    forwardedContent = POOL.directBuffer(forwardedBody.length).writeBytes(forwardedBody);
    answerContent = POOL.directBuffer(answerBody.length).writeBytes(answerBody);
  }

  /** The client's request head and body, as read from its socket: what ClientConnection receives. */
  @Benchmark
  public void decodeRequest(Blackhole sink) {
    server.writeInbound(inbound(clientRequest));
    drainInbound(server, sink);
  }

  /** The answer to the client, head and body, onto the wire. */
  @Benchmark
  public void encodeResponse(Blackhole sink) {
    server.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, answerHeaders));
    server.writeOutbound(new DefaultLastHttpContent(answerContent.retainedDuplicate()));
    drainOutbound(server, sink);
  }

  /** The request to the backend, head and body, onto the wire. */
  @Benchmark
  public void encodeRequest(Blackhole sink) {
    client.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions",
        forwardedContent.retainedDuplicate(), forwardedHeaders, EmptyHttpHeaders.INSTANCE));
    drainOutbound(client, sink);
  }

  /** The backend's answer as read from its socket: what UpstreamConnection receives. */
  @Benchmark
  public void decodeResponse(Blackhole sink) {
    client.writeInbound(inbound(backendAnswer));
    drainInbound(client, sink);
  }

  /** One buffer in through the same channel with no codec: the embedding's own cost per inbound message, to subtract. */
  @Benchmark
  public void passInbound(Blackhole sink) {
    bare.writeInbound(inbound(clientRequest));
    drainInbound(bare, sink);
  }

  /** One buffer out through the same channel with no codec: the embedding's own cost per outbound write, to subtract. */
  @Benchmark
  public void passOutbound(Blackhole sink) {
    bare.writeOutbound(answerContent.retainedDuplicate());
    drainOutbound(bare, sink);
  }

  private static ByteBuf inbound(byte[] bytes) {
    return POOL.directBuffer(bytes.length).writeBytes(bytes);
  }

  private static void drainInbound(EmbeddedChannel channel, Blackhole sink) {
    Object msg;
    while ((msg = channel.readInbound()) != null) {
      sink.consume(msg);
      ReferenceCountUtil.release(msg);
    }
  }

  private static void drainOutbound(EmbeddedChannel channel, Blackhole sink) {
    Object msg;
    while ((msg = channel.readOutbound()) != null) {
      if (sink != null) {
        sink.consume(msg);
      }
      ReferenceCountUtil.release(msg);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    server.finishAndReleaseAll();
    client.finishAndReleaseAll();
    bare.finishAndReleaseAll();
    forwardedContent.release();
    answerContent.release();
  }
}
