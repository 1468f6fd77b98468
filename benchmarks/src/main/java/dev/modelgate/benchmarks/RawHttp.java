package dev.modelgate.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/1.1 over blocking loopback sockets with buffers made once: a backend that answers every
 * request with fixed bytes, and a keep-alive client. Both allocate next to nothing per request, so
 * what {@code -prof gc} counts in {@link ExchangeBenchmark} beyond its direct baseline is the
 * gateway's. They read only what they need: the end of the head and {@code content-length}.
 */
final class RawHttp {
  private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
  private static final int BUFFER = 64 * 1024;

  private RawHttp() {}

  /** A whole answer: head with a length, and {@code json}. */
  static byte[] answer(String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + body.length + "\r\n\r\n";
    return (head + json).getBytes(StandardCharsets.UTF_8);
  }

  /** A POST of {@code json} to {@code path}, keep-alive. */
  static byte[] post(String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json\r\n"
        + "user-agent: exchange-benchmark\r\nauthorization: Bearer sk-bench\r\ncontent-length: " + body.length + "\r\n\r\n";
    return (head + json).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads one message (head and {@code content-length} body) into {@code buf} and returns its tenth
   * byte: an answer's status digit ({@code HTTP/1.1 2..}), a request's path letter
   * ({@code POST /v1/e...}). Bytes of the next message read with it stay at the start of {@code buf},
   * {@code left[0]} of them; the end of the stream throws.
   */
  static byte readMessage(InputStream in, byte[] buf, int[] left) throws IOException {
    int filled = left[0];
    int headEnd;
    while ((headEnd = headEnd(buf, filled)) < 0) {
      filled = fill(in, buf, filled);
    }
    int total = headEnd + contentLength(buf, headEnd);
    while (filled < total) {
      filled = fill(in, buf, filled);
    }
    byte tenth = buf[9];
    System.arraycopy(buf, total, buf, 0, filled - total);
    left[0] = filled - total;
    return tenth;
  }

  private static int fill(InputStream in, byte[] buf, int filled) throws IOException {
    if (filled == buf.length) {
      throw new IOException("message larger than " + buf.length + " bytes");
    }
    int n = in.read(buf, filled, buf.length - filled);
    if (n < 0) {
      throw new IOException("connection closed");
    }
    return filled + n;
  }

  private static int headEnd(byte[] b, int n) {
    for (int i = 3; i < n; i++) {
      if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
        return i + 1;
      }
    }
    return -1;
  }

  private static int contentLength(byte[] b, int headEnd) throws IOException {
    outer:
    for (int i = 0; i + CONTENT_LENGTH.length < headEnd; i++) {
      for (int j = 0; j < CONTENT_LENGTH.length; j++) {
        if ((b[i + j] | 0x20) != CONTENT_LENGTH[j]) {
          continue outer;
        }
      }
      int value = 0;
      for (int k = i + CONTENT_LENGTH.length; k < headEnd && b[k] != '\r'; k++) {
        if (b[k] >= '0' && b[k] <= '9') {
          value = value * 10 + (b[k] - '0');
        }
      }
      return value;
    }
    throw new IOException("no content-length in the head");
  }

  /** A backend on a free loopback port: every connection gets a thread, {@code /v1/embeddings} the embeddings answer and any other path the chat one. */
  static final class Backend implements AutoCloseable {
    private final ServerSocket server;
    private final byte[] chat;
    private final byte[] embeddings;
    private final List<Socket> sockets = new ArrayList<>();

    Backend(byte[] chat, byte[] embeddings) throws IOException {
      this.chat = chat;
      this.embeddings = embeddings;
      this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::accept, "raw-backend-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          socket.setTcpNoDelay(true);
          synchronized (sockets) {
            sockets.add(socket);
          }
          Thread serving = new Thread(() -> serve(socket), "raw-backend");
          serving.setDaemon(true);
          serving.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket socket) {
      byte[] buf = new byte[BUFFER];
      int[] left = new int[1];
      try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
        while (true) {
          out.write(readMessage(in, buf, left) == 'e' ? embeddings : chat);
        }
      } catch (IOException e) {
        // The peer went away.
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (sockets) {
        for (Socket socket : sockets) {
          socket.close();
        }
      }
    }
  }

  /** One keep-alive connection; {@link #exchange} sends a request and reads its whole answer. */
  static final class Client implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[BUFFER];
    private final int[] left = new int[1];

    Client(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setTcpNoDelay(true);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    /** Sends {@code request} and reads its answer; an answer other than 2xx throws. */
    void exchange(byte[] request) throws IOException {
      out.write(request);
      if (readMessage(in, buf, left) != '2') {
        throw new IOException("answered: " + new String(buf, 0, Math.min(200, buf.length), StandardCharsets.ISO_8859_1));
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
