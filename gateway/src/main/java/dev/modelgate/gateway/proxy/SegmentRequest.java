package dev.modelgate.gateway.proxy;

import dev.modelgate.core.registry.SegmentMatcher;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What an alias's segments read of one request: its headers and the fields the one body scan kept.
 * Made only for aliases that have segments.
 */
final class SegmentRequest implements SegmentMatcher.Request {
  private final HttpHeaders headers;
  private final BodyScan scan;

  SegmentRequest(HttpHeaders headers, BodyScan scan) {
    this.headers = headers;
    this.scan = scan;
  }

  @Override
  public String header(String name) {
    return headers.get(name);
  }

  @Override
  public String bodyField(String field) {
    return scan.field(field);
  }
}
