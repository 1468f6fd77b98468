package dev.modelgate.gateway.cache;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whole backend answer as the cache keeps it, or as a failed load hands it to the requests that
 * waited for it: the status, the headers that describe the body (never the per-request ones the
 * gateway sets again on each answer) and the body.
 */
public final class StoredAnswer {
  // Set per answer by the gateway or the connection, so they are never replayed.
  private static final Set<AsciiString> PER_REQUEST = Set.of(
      AsciiString.cached("content-length"), AsciiString.cached("transfer-encoding"), AsciiString.cached("connection"),
      AsciiString.cached("keep-alive"), AsciiString.cached("date"), AsciiString.cached("x-request-id"), AsciiString.cached("set-cookie"));
  private static final String GATEWAY_PREFIX = "x-modelgate-";

  private final int status;
  private final String[] headers;
  private final byte[] body;
  final long ttlNanos;

  private StoredAnswer(int status, String[] headers, byte[] body, long ttlNanos) {
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.ttlNanos = ttlNanos;
  }

  /** The answer {@code headers} and {@code body} describe, kept for {@code ttlNanos}. */
  static StoredAnswer of(int status, HttpHeaders headers, byte[] body, long ttlNanos) {
    List<String> kept = new ArrayList<>();
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey();
      if (!PER_REQUEST.contains(AsciiString.of(name).toLowerCase()) && !name.regionMatches(true, 0, GATEWAY_PREFIX, 0, GATEWAY_PREFIX.length())) {
        kept.add(name);
        kept.add(header.getValue());
      }
    }
    return new StoredAnswer(status, kept.toArray(String[]::new), body, ttlNanos);
  }

  public int status() {
    return status;
  }

  /** Adds the stored headers to {@code to}. */
  public void addHeadersTo(HttpHeaders to) {
    for (int i = 0; i < headers.length; i += 2) {
      to.add(headers[i], headers[i + 1]);
    }
  }

  /** The body; the caller must not change it. */
  public byte[] body() {
    return body;
  }

  /** Roughly what this answer keeps in memory: body, header text, object headers. */
  int weight() {
    long chars = 0;
    for (String header : headers) {
      chars += header.length();
    }
    return (int) Math.min(Integer.MAX_VALUE, body.length + 2 * chars + 16L * headers.length + 64);
  }
}
