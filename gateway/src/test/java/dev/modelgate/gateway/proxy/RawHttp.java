package dev.modelgate.gateway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HTTP/1.1 over a plain socket, for clients no well-behaved library would imitate. */
public final class RawHttp {
  private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.[01] (\\d{3})");

  private RawHttp() {}

  /** One response: its status, its headers by lower-case name, and its content-length body. */
  record Raw(int status, Map<String, String> headers, String body) {}

  /** A loopback connection whose reads give up after {@link GatewayHarness#WAIT}. */
  public static Socket connect(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout((int) GatewayHarness.WAIT.toMillis());
    return socket;
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed inside the response head: " + head);
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** One response with a content-length body (or none), read off a raw connection. */
  static Raw readResponse(InputStream in) throws IOException {
    String head = readHead(in);
    Matcher status = STATUS.matcher(head);
    if (!status.find()) {
      throw new IOException("not an HTTP response head: " + head);
    }
    Map<String, String> headers = new HashMap<>();
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    return new Raw(Integer.parseInt(status.group(1)), headers, new String(in.readNBytes(length), StandardCharsets.UTF_8));
  }

  /**
   * One whole response framed as the server chose: by content-length, in chunks (de-chunked here),
   * or, with neither, by the end of the connection; 1xx, 204 and 304 have no body. Its headers keep
   * {@code transfer-encoding}.
   */
  static Raw readWhole(InputStream in) throws IOException {
    Raw head = readResponse(in);
    boolean bodiless = head.status() < 200 || head.status() == 204 || head.status() == 304;
    if (bodiless || head.headers().containsKey("content-length")) {
      return head;
    }
    if (!"chunked".equalsIgnoreCase(head.headers().get("transfer-encoding"))) {
      return new Raw(head.status(), head.headers(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    return new Raw(head.status(), head.headers(), readChunkedBody(in));
  }

  /** A chunked body up to and including its last (empty) chunk, its chunks joined: how they were cut does not matter. */
  static String readChunkedBody(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int size;
    do {
      String line = readLine(in);
      size = Integer.parseInt(line.split(";")[0].trim(), 16);
      body.write(in.readNBytes(size));
      readLine(in);
    } while (size > 0);
    return body.toString(StandardCharsets.UTF_8);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("connection closed inside a chunked body: " + line);
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.ISO_8859_1).trim();
  }

  /**
   * Sends {@code request} on a new connection and reads one response, or {@code null} when the
   * gateway closed the connection without one.
   */
  static Raw exchange(int port, byte[] request) throws IOException {
    try (Socket socket = connect(port)) {
      try {
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
      } catch (IOException closedWhileSending) {
        // The gateway may answer and close before reading everything; the answer is still there.
      }
      try {
        return readResponse(socket.getInputStream());
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer and no close within " + GatewayHarness.WAIT, e);
      } catch (IOException closed) {
        return null;
      }
    }
  }

  /** True when the peer has closed {@code socket}: a read returns end of stream (or a reset) before the timeout. */
  static boolean closedByPeer(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /**
   * Whether nothing accepts connections on the loopback {@code port}. A socket whose kernel-chosen
   * source port happens to be {@code port} connects to itself (TCP simultaneous open) with no listener
   * involved; that counts as refused, not as an accept.
   */
  static boolean refusesConnections(int port) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return socket.getLocalPort() == port;
    } catch (ConnectException refused) {
      return true;
    }
  }

  public static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }
}
