package dev.modelgate.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
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

  private ForwardedHeaders() {}

  /** Copies the client's headers that may go upstream. */
  static void copyUpstream(HttpHeaders from, HttpHeaders to) {
    copy(from, to, NOT_UPSTREAM);
  }

  /** Copies the backend's headers that may go back to the client. */
  static void copyDownstream(HttpHeaders from, HttpHeaders to) {
    copy(from, to, NOT_DOWNSTREAM);
  }

  private static void copy(HttpHeaders from, HttpHeaders to, AsciiString[] notThisWay) {
    String connection = from.get(HttpHeaderNames.CONNECTION);
    Iterator<Map.Entry<CharSequence, CharSequence>> headers = from.iteratorCharSequence();
    while (headers.hasNext()) {
      Map.Entry<CharSequence, CharSequence> header = headers.next();
      CharSequence name = header.getKey();
      if (!isAny(name, HOP_BY_HOP) && !isAny(name, notThisWay) && !isGatewayHeader(name) && !namedIn(connection, name)) {
        to.add(name, header.getValue());
      }
    }
  }

  // A header the sender lists in Connection is hop-by-hop too (RFC 9110 §7.6.1).
  private static boolean namedIn(String connection, CharSequence name) {
    if (connection == null) {
      return false;
    }
    for (String option : connection.split(",")) {
      if (AsciiString.contentEqualsIgnoreCase(option.trim(), name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isGatewayHeader(CharSequence name) {
    return AsciiString.regionMatches(name, true, 0, GATEWAY_PREFIX, 0, GATEWAY_PREFIX.length());
  }

  private static boolean isAny(CharSequence name, AsciiString[] names) {
    for (AsciiString candidate : names) {
      if (candidate.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static AsciiString[] names(String... names) {
    AsciiString[] out = new AsciiString[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = AsciiString.cached(names[i]);
    }
    return out;
  }
}
