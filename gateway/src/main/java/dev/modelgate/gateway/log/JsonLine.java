package dev.modelgate.gateway.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * One flat JSON object per line, encoded straight to UTF-8 bytes: the access log writes one per
 * request, and a general JSON generator spends more on its state checks than on these few fields.
 * For one thread.
 *
 * <p>Field names and the values that repeat from line to line (a route's model, version, endpoint…,
 * see {@link #constant}) are escaped once and then copied as bytes: escaping them char by char on
 * every line was the access-log writer's largest cost. The cache is direct-mapped by the string's
 * hash (a String keeps its hash), so it is bounded and a miss just encodes again.
 */
final class JsonLine {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final int SLOTS = 512;
  // Longer values are not worth a slot: they are rarely the same twice.
  private static final int MAX_CACHED = 256;

  private final String[] cachedText = new String[SLOTS];
  private final byte[][] cachedJson = new byte[SLOTS][];
  private byte[] buf = new byte[1024];
  // The quoted timestamp up to its second ("2026-11-28T07:27:12.), made once a second.
  private long second = Long.MIN_VALUE;
  private byte[] secondText;
  private final byte[] digits = new byte[20];
  private int length;
  private boolean first;

  JsonLine begin() {
    length = 0;
    first = true;
    put('{');
    return this;
  }

  JsonLine string(String name, CharSequence value) {
    name(name);
    if (value == null) {
      ascii("null");
    } else {
      quoted(value);
    }
    return this;
  }

  /**
   * Like {@link #string}, for a value that repeats from line to line: it is escaped once and then
   * copied. The bytes written are the same.
   */
  JsonLine constant(String name, String value) {
    name(name);
    if (value == null) {
      ascii("null");
    } else if (value.length() > MAX_CACHED) {
      quoted(value);
    } else {
      copy(encoded(value));
    }
    return this;
  }

  // The quoted, escaped UTF-8 of s, from the cache or made and put there.
  private byte[] encoded(String s) {
    int h = s.hashCode();
    int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    if (s.equals(cachedText[slot])) {
      return cachedJson[slot];
    }
    int start = length;
    quoted(s);
    byte[] json = Arrays.copyOfRange(buf, start, length);
    length = start;
    cachedText[slot] = s;
    cachedJson[slot] = json;
    return json;
  }

  JsonLine number(String name, long value) {
    name(name);
    if (value == Long.MIN_VALUE) {
      ascii(Long.toString(value));
    } else if (value < 0) {
      put('-');
      digits(-value);
    } else {
      digits(value);
    }
    return this;
  }

  JsonLine number(String name, Long value) {
    return value == null ? nul(name) : number(name, value.longValue());
  }

  /**
   * An ISO-8601 UTC timestamp to the millisecond ({@code "2026-11-28T07:27:12.345Z"}): the text up
   * to the second is made once a second, the milliseconds are written as digits.
   */
  JsonLine utcMillis(String name, long epochMillis) {
    name(name);
    long s = Math.floorDiv(epochMillis, 1000);
    if (s != second) {
      second = s;
      String whole = Instant.ofEpochSecond(s).toString();
      secondText = ('"' + whole.substring(0, whole.length() - 1) + '.').getBytes(StandardCharsets.US_ASCII);
    }
    copy(secondText);
    int millis = (int) Math.floorMod(epochMillis, 1000);
    put('0' + millis / 100);
    put('0' + millis / 10 % 10);
    put('0' + millis % 10);
    put('Z');
    put('"');
    return this;
  }

  /** An amount with exactly three decimals, given in thousandths. */
  JsonLine thousandths(String name, long thousandths) {
    name(name);
    if (thousandths < 0) {
      put('-');
      thousandths = -thousandths;
    }
    digits(thousandths / 1000);
    put('.');
    long fraction = thousandths % 1000;
    put('0' + (int) (fraction / 100));
    put('0' + (int) (fraction / 10 % 10));
    put('0' + (int) (fraction % 10));
    return this;
  }

  JsonLine nul(String name) {
    name(name);
    ascii("null");
    return this;
  }

  /** Closes the object, ends the line and writes it to {@code out}. */
  void writeTo(OutputStream out) throws IOException {
    put('}');
    put('\n');
    out.write(buf, 0, length);
  }

  private void name(String name) {
    if (!first) {
      put(',');
    }
    first = false;
    copy(encoded(name));
    put(':');
  }

  private void quoted(CharSequence s) {
    put('"');
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        put(c);
      } else if (c == '"' || c == '\\') {
        put('\\');
        put(c);
      } else if (c < 0x20) {
        escapeControl(c);
      } else if (c < 0x800) {
        put(0xc0 | (c >> 6));
        put(0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        put(0xf0 | (cp >> 18));
        put(0x80 | ((cp >> 12) & 0x3f));
        put(0x80 | ((cp >> 6) & 0x3f));
        put(0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        // A lone surrogate is no character at all; UTF-8 cannot carry it.
        put('?');
      } else {
        put(0xe0 | (c >> 12));
        put(0x80 | ((c >> 6) & 0x3f));
        put(0x80 | (c & 0x3f));
      }
    }
    put('"');
  }

  private void escapeControl(char c) {
    put('\\');
    switch (c) {
      case '\n' -> put('n');
      case '\r' -> put('r');
      case '\t' -> put('t');
      case '\b' -> put('b');
      case '\f' -> put('f');
      default -> {
        ascii("u00");
        put(HEX[c >> 4]);
        put(HEX[c & 0xf]);
      }
    }
  }

  // The decimal digits of a value ≥ 0, with no String in between: one line per request adds up.
  private void digits(long value) {
    int n = 0;
    do {
      digits[n++] = (byte) ('0' + value % 10);
      value /= 10;
    } while (value > 0);
    while (n > 0) {
      put(digits[--n]);
    }
  }

  private void ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      put(s.charAt(i));
    }
  }

  private void copy(byte[] bytes) {
    if (length + bytes.length > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + bytes.length));
    }
    System.arraycopy(bytes, 0, buf, length, bytes.length);
    length += bytes.length;
  }

  private void put(int b) {
    if (length == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    buf[length++] = (byte) b;
  }
}
