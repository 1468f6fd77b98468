package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.fault.FaultyBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Garbage per request is what makes young collections, and their pauses, frequent under load. This
 * counts the bytes the gateway's event loops allocate per non-streamed chat request on a keep-alive
 * connection, once the JIT has compiled the path, and fails when a change adds a few hundred: the
 * budget is today's figure (~3.9 KB, of which Netty's HTTP codec is ~3 KB) with room for noise, not
 * a goal. The backend and the client run on threads of their own, which are not counted.
 * {@code ExchangeBenchmark} (-prof gc) measures the same more precisely.
 */
class AllocationBudgetTest {
  private static final long BUDGET_BYTES_PER_REQUEST = 4_400;
  private static final int WARM_UP = 20_000;
  private static final int MEASURED = 5_000;

  @Test
  void aNonStreamedChatRequestStaysWithinItsGarbageBudget() throws Exception {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (FaultyBackend backend = FaultyBackend.always(new FaultyBackend.Answer(1)); GatewayHarness harness = new GatewayHarness()) {
      harness.start("""
          server: {port: 0, admin_port: 0, host: 127.0.0.1}
          access_log: "off"
          models:
            m:
              versions:
                v1: {artifact: "s3://m/1", served_model: served, endpoints: ["%s"]}
              aliases:
                production: {weights: {v1: 100}, stable: v1}
          """.formatted(backend.url()));
      byte[] body = GatewayHarness.chat("m").getBytes(StandardCharsets.UTF_8);
      byte[] request = ("POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
          + "content-length: " + body.length + "\r\n\r\n" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
      try (Socket socket = RawHttp.connect(harness.gateway.port())) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        for (int i = 0; i < WARM_UP; i++) {
          send(request, in, out);
        }
        long before = eventLoopBytes(threads);
        for (int i = 0; i < MEASURED; i++) {
          send(request, in, out);
        }
        long perRequest = (eventLoopBytes(threads) - before) / MEASURED;
        assertThat(perRequest).as("bytes allocated by the event loops per request").isLessThan(BUDGET_BYTES_PER_REQUEST);
      }
    }
  }

  private static void send(byte[] request, InputStream in, OutputStream out) throws Exception {
    out.write(request);
    assertThat(RawHttp.readResponse(in).status()).isEqualTo(200);
  }

  private static long eventLoopBytes(com.sun.management.ThreadMXBean threads) {
    long sum = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("vert.x-eventloop-thread")) {
        sum += Math.max(0, threads.getThreadAllocatedBytes(thread.getId()));
      }
    }
    return sum;
  }
}
