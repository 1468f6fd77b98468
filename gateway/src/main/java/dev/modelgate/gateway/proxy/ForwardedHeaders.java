package dev.modelgate.gateway.proxy;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
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
  static void copyUpstream(MultiMap from, MultiMap to) {
    String connection = from.get(HttpHeaders.CONNECTION);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey();
      if (!isAny(name, HOP_BY_HOP) && !isAny(name, NOT_UPSTREAM) && !isGatewayHeader(name) && !namedIn(connection, name)) {
        to.add(name, header.getValue());
      }
    }
  }

  /** Copies the backend's headers that may go back to the client. */
  static void copyDownstream(MultiMap from, MultiMap to) {
    String connection = from.get(HttpHeaders.CONNECTION);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey();
      if (!isAny(name, HOP_BY_HOP) && !isAny(name, NOT_DOWNSTREAM) && !isGatewayHeader(name) && !namedIn(connection, name)) {
        to.add(name, header.getValue());
      }
    }
  }

  // A header the sender lists in Connection is hop-by-hop too (RFC 9110 §7.6.1).
  private static boolean namedIn(String connection, String name) {
    if (connection == null) {
      return false;
    }
    for (String option : connection.split(",")) {
      if (option.trim().equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isGatewayHeader(String name) {
    return name.regionMatches(true, 0, GATEWAY_PREFIX, 0, GATEWAY_PREFIX.length());
  }

  private static boolean isAny(String name, AsciiString[] names) {
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
