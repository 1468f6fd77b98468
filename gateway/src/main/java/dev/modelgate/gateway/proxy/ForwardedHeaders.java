package dev.modelgate.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Which headers cross the gateway. Hop-by-hop headers never do (RFC 9110 §7.6.1). Upstream, the
 * client's credentials and cookies stay behind (a version sends its own key), as do
 * {@code x-modelgate-*} headers, which only the gateway sets, and {@code accept-encoding}, so
 * answers arrive uncompressed and can be read as they are relayed.
 */
final class ForwardedHeaders {
  private static final AsciiString[] HOP_BY_HOP = names(
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
      "proxy-authorization", "proxy-authenticate");
  private static final AsciiString[] NOT_UPSTREAM = names(
      "host", "content-length", "authorization", "cookie", "accept-encoding", "expect", "x-request-id");
  private static final AsciiString[] NOT_DOWNSTREAM = names("x-request-id", "set-cookie");
  private static final String GATEWAY_PREFIX = "x-modelgate-";
  private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  private static final AsciiString CLOSE = AsciiString.cached("close");

  private ForwardedHeaders() {}

  /** Removes from the client's headers, in place, those that may not go upstream. */
  static void keepUpstream(HttpHeaders headers) {
    keep(headers, NOT_UPSTREAM);
  }

  /** Removes from the backend's headers, in place, those that may not go back to the client. */
  static void keepDownstream(HttpHeaders headers) {
    keep(headers, NOT_DOWNSTREAM);
  }

  // In place: the message's own header map is reused rather than copied into a new one.
  private static void keep(HttpHeaders headers, AsciiString[] notThisWay) {
    String connection = headers.get(HttpHeaderNames.CONNECTION);
    for (AsciiString name : HOP_BY_HOP) {
      headers.remove(name);
    }
    for (AsciiString name : notThisWay) {
      headers.remove(name);
    }
    if (connection != null) {
      removeNamedIn(connection, headers);
    }
    List<CharSequence> gatewayHeaders = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> all = headers.iteratorCharSequence(); all.hasNext(); ) {
      CharSequence name = all.next().getKey();
      if (isGatewayHeader(name)) {
        gatewayHeaders = gatewayHeaders == null ? new ArrayList<>(2) : gatewayHeaders;
        gatewayHeaders.add(name);
      }
    }
    if (gatewayHeaders != null) {
      gatewayHeaders.forEach(headers::remove);
    }
  }

  // A header the sender lists in Connection is hop-by-hop too (RFC 9110 §7.6.1).
  private static void removeNamedIn(String connection, HttpHeaders headers) {
    int n = connection.length();
    int start = 0;
    while (start < n) {
      int comma = connection.indexOf(',', start);
      int end = comma < 0 ? n : comma;
      int from = start;
      int to = end;
      while (from < to && connection.charAt(from) <= ' ') {
        from++;
      }
      while (to > from && connection.charAt(to - 1) <= ' ') {
        to--;
      }
      // The usual options name no header; the substring is only made for one that may.
      if (to > from && !isOption(connection, from, to, KEEP_ALIVE) && !isOption(connection, from, to, CLOSE)) {
        headers.remove(connection.substring(from, to));
      }
      start = end + 1;
    }
  }

  private static boolean isOption(String connection, int from, int to, AsciiString option) {
    return to - from == option.length() && AsciiString.regionMatches(connection, true, from, option, 0, to - from);
  }

  private static boolean isGatewayHeader(CharSequence name) {
    return AsciiString.regionMatches(name, true, 0, GATEWAY_PREFIX, 0, GATEWAY_PREFIX.length());
  }

  private static AsciiString[] names(String... names) {
    AsciiString[] out = new AsciiString[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = AsciiString.cached(names[i]);
    }
    return out;
  }
}
