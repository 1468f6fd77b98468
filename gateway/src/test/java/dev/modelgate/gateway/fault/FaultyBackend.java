package dev.modelgate.gateway.fault;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An OpenAI-compatible backend that misbehaves on request, for fault tests. It speaks HTTP/1.1 over
 * raw sockets (one thread per connection, keep-alive) so that it can do what no well-behaved server
 * would: hang, reset the connection before or in the middle of an answer, trickle bytes, or lie
 * about its content type. A script picks the {@link Fault} of each request.
 *
 * <p>It counts connections, so a test can tell whether the gateway's upstream pool stays bounded.
 */
public final class FaultyBackend implements AutoCloseable {
  static final String CONTENT = "pong";

  /** How to answer one request. */
  public sealed interface Fault {}

  /** A well-formed answer: a chat completion, or for {@code "stream": true} an SSE stream ending in [DONE]. */
  public record Answer(int chunks) implements Fault {}

  /** Read the request and never answer (the connection stays open until the gateway drops it). */
  record Hang() implements Fault {}

  /** Read the request, then close the connection; {@code reset}: with a TCP RST rather than a FIN. */
  record CloseBeforeResponse(boolean reset) implements Fault {}

  /** Send 200 and {@code chunks} SSE chunks, then close the connection (RST if {@code reset}). */
  record BreakMidStream(int chunks, boolean reset) implements Fault {}

  /** Answer this status with an OpenAI error body. */
  record Status(int status) implements Fault {}

  /** An SSE stream of {@code chunks} chunks, the first at once and then one every {@code everyMillis}, then [DONE]. */
  record TrickleStream(int chunks, long everyMillis) implements Fault {}

  /** A whole (non-stream) chat completion with a content-length, sent one byte every {@code everyMillis}. */
  record TrickleBody(long everyMillis) implements Fault {}

  /** 200 with {@code content-type: application/json} and a body that is not JSON. */
  record Garbage() implements Fault {}

  /** 200 with a JSON body of exactly {@code bytes} bytes, see {@link #largeBody(int)}. */
  record Large(int bytes) implements Fault {}

  /** One request as the backend read it. */
  public record Request(String path, String body) {
    boolean stream() {
      return body.replace(" ", "").contains("\"stream\":true");
    }
  }

  static final String GARBAGE = "<html><body>502 Bad Gateway</body></html>\n{\"choices\": [";

  private final ServerSocket server;
  private final Function<Request, Fault> script;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "faulty-backend");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger peakOpen = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();

  private FaultyBackend(Function<Request, Fault> script) throws IOException {
    this.script = script;
    this.server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  /** Starts a backend on a free loopback port that answers each request as the script says. */
  public static FaultyBackend start(Function<Request, Fault> script) throws IOException {
    return new FaultyBackend(script);
  }

  /** Starts a backend that answers every request with the same fault. */
  public static FaultyBackend always(Fault fault) throws IOException {
    return new FaultyBackend(request -> fault);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  int openConnections() {
    return open.size();
  }

  int peakOpenConnections() {
    return peakOpen.get();
  }

  int acceptedConnections() {
    return accepted.get();
  }

  int requests() {
    return requests.get();
  }

  /** The body {@link Large} sends: a chat completion of exactly {@code bytes} bytes, varied so no relay bug can hide. */
  static byte[] largeBody(int bytes) {
    byte[] head = "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
        .getBytes(StandardCharsets.US_ASCII);
    byte[] tail = "\"},\"finish_reason\":\"stop\"}]}".getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[bytes];
    System.arraycopy(head, 0, body, 0, head.length);
    long state = 0x9E3779B97F4A7C15L;
    for (int i = head.length; i < bytes - tail.length; i++) {
      state ^= state << 13;
      state ^= state >>> 7;
      state ^= state << 17;
      body[i] = (byte) ('a' + Math.floorMod(state, 26));
    }
    System.arraycopy(tail, 0, body, bytes - tail.length, tail.length);
    return body;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        accepted.incrementAndGet();
        open.add(socket);
        peakOpen.accumulateAndGet(open.size(), Math::max);
        threads.execute(() -> serve(socket));
      } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      Request request;
      while ((request = read(in)) != null) {
        requests.incrementAndGet();
        if (!answer(script.apply(request), request, socket, in, out)) {
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      // The gateway went away or the backend is closing: nothing to answer.
    } finally {
      open.remove(socket);
    }
  }

  /** Plays one fault; false when the connection is finished with. */
  private boolean answer(Fault fault, Request request, Socket socket, InputStream in, OutputStream out) throws IOException, InterruptedException {
    if (fault instanceof Answer a) {
      if (request.stream()) {
        streamHead(out);
        for (int i = 0; i < a.chunks(); i++) {
          chunk(out, delta(i));
        }
        chunk(out, "data: [DONE]\n\n");
        lastChunk(out);
      } else {
        whole(out, 200, completion().getBytes(StandardCharsets.UTF_8));
      }
      return true;
    }
    if (fault instanceof Hang) {
      while (in.read() >= 0) {
        // Swallow whatever comes until the gateway closes the connection.
      }
      return false;
    }
    if (fault instanceof CloseBeforeResponse c) {
      close(socket, c.reset());
      return false;
    }
    if (fault instanceof BreakMidStream b) {
      streamHead(out);
      for (int i = 0; i < b.chunks(); i++) {
        chunk(out, delta(i));
      }
      close(socket, b.reset());
      return false;
    }
    if (fault instanceof Status s) {
      whole(out, s.status(), ("{\"error\":{\"message\":\"backend says " + s.status() + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}")
          .getBytes(StandardCharsets.UTF_8));
      return true;
    }
    if (fault instanceof TrickleStream t) {
      streamHead(out);
      for (int i = 0; i < t.chunks(); i++) {
        if (i > 0) {
          Thread.sleep(t.everyMillis());
        }
        chunk(out, delta(i));
      }
      chunk(out, "data: [DONE]\n\n");
      lastChunk(out);
      return true;
    }
    if (fault instanceof TrickleBody t) {
      byte[] body = completion().getBytes(StandardCharsets.UTF_8);
      out.write(head(200, "application/json", "content-length: " + body.length));
      out.flush();
      for (byte b : body) {
        Thread.sleep(t.everyMillis());
        out.write(b);
        out.flush();
      }
      return true;
    }
    if (fault instanceof Garbage) {
      whole(out, 200, GARBAGE.getBytes(StandardCharsets.UTF_8));
      return true;
    }
    if (fault instanceof Large l) {
      whole(out, 200, largeBody(l.bytes()));
      return true;
    }
    throw new IllegalArgumentException("unknown fault " + fault);
  }

  private static void close(Socket socket, boolean reset) throws IOException {
    if (reset) {
      // Linger 0 makes close() send RST instead of FIN.
      socket.setSoLinger(true, 0);
    }
    socket.close();
  }

  private static String completion() {
    return "{\"id\":\"chatcmpl-fault\",\"object\":\"chat.completion\",\"model\":\"served\",\"choices\":[{\"index\":0,\"message\":"
        + "{\"role\":\"assistant\",\"content\":\"" + CONTENT + "\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";
  }

  private static String delta(int i) {
    return "data: {\"id\":\"chatcmpl-fault\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok" + i
        + "\"}}]}\n\n";
  }

  private static byte[] head(int status, String contentType, String framing) {
    return ("HTTP/1.1 " + status + " X\r\ncontent-type: " + contentType + "\r\n" + framing + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void whole(OutputStream out, int status, byte[] body) throws IOException {
    out.write(head(status, "application/json", "content-length: " + body.length));
    out.write(body);
    out.flush();
  }

  private static void streamHead(OutputStream out) throws IOException {
    out.write(head(200, "text/event-stream", "transfer-encoding: chunked"));
    out.flush();
  }

  private static void chunk(OutputStream out, String data) throws IOException {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static void lastChunk(OutputStream out) throws IOException {
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** One request with a content-length body, or null at the end of the connection. */
  public static Request read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int length = 0;
    for (String line : lines) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      return null;
    }
    String path = lines[0].split(" ")[1];
    return new Request(path, new String(body, StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
