package dev.modelgate.gateway.log;

import java.time.Instant;

/**
 * ISO-8601 UTC timestamps to the millisecond ({@code 2026-11-28T07:27:12.345Z}), for one thread:
 * the text up to the second is built once per second, not once per record, and the result is one
 * reused buffer rather than a new String.
 */
final class UtcMillis {
  private long second = Long.MIN_VALUE;
  private String prefix;
  private final StringBuilder out = new StringBuilder(24);

  /** The timestamp, valid until the next call. */
  CharSequence format(long epochMillis) {
    long s = Math.floorDiv(epochMillis, 1000);
    if (s != second) {
      second = s;
      String whole = Instant.ofEpochSecond(s).toString();
      prefix = whole.substring(0, whole.length() - 1);
    }
    int millis = (int) Math.floorMod(epochMillis, 1000);
    out.setLength(0);
    out.append(prefix).append('.');
    if (millis < 100) {
      out.append('0');
    }
    if (millis < 10) {
      out.append('0');
    }
    return out.append(millis).append('Z');
  }
}
