package dev.modelgate.gateway.cache;

import java.util.Arrays;

/**
 * What makes two requests the same for the cache: the model and version that would answer, the path,
 * the client key's identity (when client keys are configured) and the exact bytes forwarded. The
 * hash only spreads keys over the table; equality compares every byte, so two bodies that collide
 * never share an answer.
 */
final class CacheKey {
  final String model;
  private final String version;
  private final String path;
  /** The index of the client key presented, or -1 when client keys are not configured. */
  private final int tenant;
  final byte[] body;
  private final int hash;

  CacheKey(String model, String version, String path, int tenant, byte[] body) {
    this.model = model;
    this.version = version;
    this.path = path;
    this.tenant = tenant;
    this.body = body;
    int h = Arrays.hashCode(body);
    h = 31 * h + model.hashCode();
    h = 31 * h + version.hashCode();
    h = 31 * h + path.hashCode();
    this.hash = 31 * h + tenant;
  }

  /** What the key itself keeps in memory, roughly: its body and strings, plus object headers. */
  int weight() {
    return body.length + 2 * (model.length() + version.length() + path.length()) + 96;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CacheKey other && hash == other.hash && tenant == other.tenant && version.equals(other.version)
        && path.equals(other.path) && model.equals(other.model) && Arrays.equals(body, other.body);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
