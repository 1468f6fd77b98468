package dev.modelgate.gateway.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One pass over a request body that finds the top-level {@code model}, {@code stream}, sticky-key
 * and segment fields and what the response cache asks ({@code temperature}, {@code n}), with the byte range of the {@code model} value so it can be replaced by a
 * splice instead of re-serialising the whole body. Every other value is skipped undecoded, but the
 * pass still checks that the body is one well-formed JSON object (RFC 8259) in UTF-8.
 *
 * <p>Written by hand because a profile said so: a Jackson parser per request cost ~860 bytes of
 * garbage (parser, contexts, symbol table, locations), the largest share of the gateway's own; this
 * allocates only the {@code model} String (and the text of the fields asked for). {@code BodyScanTest} checks it against a Jackson scan
 * over random bodies, valid and broken. Limits as Jackson's: nesting deeper than 256 and numbers
 * longer than 1,000 characters are refused.
 *
 * <p>A second top-level {@code model} is rejected: the gateway would route on one and the backend
 * might read the other.
 */
final class BodyScan {
  static final int MAX_DEPTH = 256;
  static final int MAX_NUMBER_LENGTH = 1000;
  private static final byte[] MODEL = "model".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] STREAM = "stream".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TEMPERATURE = "temperature".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CHOICES = "n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

  String model;
  /** Offset of the opening quote of the {@code model} value. */
  int modelStart;
  /** Offset just past the closing quote of the {@code model} value. */
  int modelEnd;
  boolean stream;
  /** Whether {@code temperature} is the number 0: the only sampling whose answer the cache replays. */
  boolean temperatureZero;
  /** The {@code n} asked for: 1 when absent or null, -1 when not an integer that fits a long. */
  long choices = 1;
  String stickyValue;
  /** The top-level string fields segments read, by their index in {@link #fields}; {@code null} when none are read. */
  private List<String> fields;
  private String[] fieldValues;
  /** Why the body was refused, or {@code null}. */
  String problem;
  /** The parameter the problem is about, or {@code null}. */
  String problemParam;

  private byte[] b;
  private int end;
  private int i;
  // Whether the string read last held an escape (its bytes are then not its text).
  private boolean escaped;

  /** A scan to {@link #rescan} with: one per client connection, for its requests one after another. */
  BodyScan() {}

  static BodyScan scan(byte[] body, int length, String stickyField) {
    return scan(body, length, stickyField, List.of());
  }

  /** @param fields the top-level string fields to keep as well, for {@link #field}: the routing table's segment fields */
  static BodyScan scan(byte[] body, int length, String stickyField, List<String> fields) {
    return new BodyScan().rescan(body, length, stickyField, fields);
  }

  /** Lets go of the body scanned last, so a connection does not hold it while it waits for its next request. */
  void release() {
    b = null;
    if (fieldValues != null) {
      Arrays.fill(fieldValues, null);
    }
  }

  /** Scans {@code body} as {@link #scan} does, into this scan: nothing of the body scanned before is kept. */
  BodyScan rescan(byte[] body, int length, String stickyField, List<String> fields) {
    b = body;
    end = length;
    i = 0;
    escaped = false;
    model = null;
    modelStart = 0;
    modelEnd = 0;
    stream = false;
    temperatureZero = false;
    choices = 1;
    stickyValue = null;
    problem = null;
    problemParam = null;
    this.fields = fields;
    if (fields.isEmpty()) {
      fieldValues = null;
    } else if (fieldValues == null || fieldValues.length != fields.size()) {
      fieldValues = new String[fields.size()];
    } else {
      Arrays.fill(fieldValues, null);
    }
    try {
      read(stickyField == null ? null : stickyField.getBytes(StandardCharsets.UTF_8));
    } catch (Malformed e) {
      refuse("We could not parse the JSON body of your request: " + e.getMessage(), null);
    }
    return this;
  }

  private void read(byte[] stickyField) {
    if (notUtf8()) {
      refuse("The request body must be JSON encoded as UTF-8.", null);
      return;
    }
    if (end >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf) {
      i = 3;
    }
    skipSpace();
    if (i == end || b[i] != '{') {
      if (i == end || startsAValue(b[i])) {
        refuse("The request body must be a JSON object.", null);
        return;
      }
      throw unexpected("a JSON object");
    }
    i++;
    boolean seenModel = false;
    skipSpace();
    if (i < end && b[i] == '}') {
      i++;
    } else {
      while (true) {
        if (i == end || b[i] != '"') {
          throw unexpected("a field name in double quotes");
        }
        int nameStart = i;
        skipString(true);
        int nameEnd = i;
        skipSpace();
        if (i == end || b[i] != ':') {
          throw unexpected("':'");
        }
        i++;
        skipSpace();
        if (isName(nameStart, nameEnd, MODEL)) {
          if (seenModel) {
            refuse("The request body has more than one 'model' field.", "model");
            return;
          }
          seenModel = true;
          if (i == end || b[i] != '"') {
            // A scalar is read whole first (a broken one is malformed JSON); a container's start is enough.
            if (i == end || (b[i] != '{' && b[i] != '[')) {
              skipValue(1);
            }
            refuse("'model' must be a string.", "model");
            return;
          }
          modelStart = i;
          skipString(false);
          modelEnd = i;
          model = text(modelStart, modelEnd);
        } else if (isName(nameStart, nameEnd, STREAM)) {
          int from = i;
          skipValue(1);
          stream = isLiteral(from, i, TRUE);
        } else if (stickyField != null && isName(nameStart, nameEnd, stickyField)) {
          int segmentField = segmentField(nameStart, nameEnd);
          int from = i;
          skipValue(1);
          String value = scalarText(from, i);
          if (value != null) {
            stickyValue = value;
          }
          // One field may key both stickiness and a segment (body: user for each).
          keepSegmentField(segmentField, from);
        } else if (isName(nameStart, nameEnd, TEMPERATURE)) {
          int from = i;
          skipValue(1);
          temperatureZero = isZero(from, i);
        } else if (isName(nameStart, nameEnd, CHOICES)) {
          int from = i;
          skipValue(1);
          choices = b[from] == 'n' ? 1 : integral(from, i);
        } else {
          int segmentField = segmentField(nameStart, nameEnd);
          int from = i;
          skipValue(1);
          keepSegmentField(segmentField, from);
        }
        skipSpace();
        if (i < end && b[i] == ',') {
          i++;
          skipSpace();
        } else if (i < end && b[i] == '}') {
          i++;
          break;
        } else {
          throw unexpected("',' or '}'");
        }
      }
    }
    skipSpace();
    if (i != end) {
      refuse("We could not parse the JSON body of your request: unexpected content after the object.", null);
      return;
    }
    if (!seenModel) {
      refuse("You must provide a model parameter.", "model");
    }
  }

  // UTF-16 and UTF-32 put a zero byte (or a byte-order mark) in the first two; UTF-8 JSON never does.
  private boolean notUtf8() {
    if (end < 2) {
      return false;
    }
    int b0 = b[0] & 0xff;
    int b1 = b[1] & 0xff;
    return b0 == 0 || b1 == 0 || (b0 == 0xfe && b1 == 0xff) || (b0 == 0xff && b1 == 0xfe);
  }

  private static boolean startsAValue(byte c) {
    return c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
  }

  private void skipSpace() {
    while (i < end && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
      i++;
    }
  }

  private void skipValue(int depth) {
    if (i == end) {
      throw unexpected("a value");
    }
    byte c = b[i];
    switch (c) {
      case '"' -> skipString(false);
      case '{' -> skipContainer(depth, '}', true);
      case '[' -> skipContainer(depth, ']', false);
      case 't' -> skipLiteral(TRUE);
      case 'f' -> skipLiteral(FALSE);
      case 'n' -> skipLiteral(NULL);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          skipNumber();
        } else {
          throw unexpected("a value");
        }
      }
    }
  }

  private void skipContainer(int depth, char close, boolean object) {
    if (depth + 1 > MAX_DEPTH) {
      throw new Malformed("nesting deeper than " + MAX_DEPTH + " levels at byte " + i);
    }
    i++;
    skipSpace();
    if (i < end && b[i] == close) {
      i++;
      return;
    }
    while (true) {
      if (object) {
        if (i == end || b[i] != '"') {
          throw unexpected("a field name in double quotes");
        }
        skipString(true);
        skipSpace();
        if (i == end || b[i] != ':') {
          throw unexpected("':'");
        }
        i++;
        skipSpace();
      }
      skipValue(depth + 1);
      skipSpace();
      if (i < end && b[i] == ',') {
        i++;
        skipSpace();
      } else if (i < end && b[i] == close) {
        i++;
        return;
      } else {
        throw unexpected("',' or '" + close + "'");
      }
    }
  }

  /**
   * From an opening quote to just past its closing one, checking escapes and UTF-8 on the way. A
   * field name may not hold an escaped half of a surrogate pair on its own (Jackson refuses those
   * too); a value may, as Jackson reads it.
   */
  private void skipString(boolean name) {
    escaped = false;
    i++;
    while (i < end) {
      int c = b[i] & 0xff;
      if (c == '"') {
        i++;
        return;
      }
      if (c == '\\') {
        escaped = true;
        int unit = skipEscape();
        if (name && Character.isSurrogate((char) unit)) {
          skipLowSurrogate(unit);
        }
      } else if (c < 0x20) {
        throw new Malformed("a control character (code " + c + ") in a string at byte " + i + " (expected: it escaped)");
      } else if (c < 0x80) {
        i++;
      } else {
        skipUtf8(c);
      }
    }
    throw new Malformed("the body ends inside a string");
  }

  /** Skips one escape; returns the UTF-16 unit a {@code \\u} escape names, -1 for the others. */
  private int skipEscape() {
    if (i + 1 >= end) {
      throw new Malformed("the body ends inside a string");
    }
    byte e = b[i + 1];
    if (e == 'u') {
      int unit = 0;
      for (int k = 2; k < 6; k++) {
        int digit = i + k < end ? Character.digit(b[i + k], 16) : -1;
        if (digit < 0) {
          throw new Malformed("a broken \\u escape at byte " + i + " (expected: four hex digits)");
        }
        unit = unit * 16 + digit;
      }
      i += 6;
      return unit;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      i += 2;
      return -1;
    } else {
      throw new Malformed("an unknown escape at byte " + i + " (expected: one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }
  }

  private void skipLowSurrogate(int high) {
    int at = i;
    if (Character.isHighSurrogate((char) high) && i + 1 < end && b[i] == '\\' && b[i + 1] == 'u'
        && Character.isLowSurrogate((char) skipEscape())) {
      return;
    }
    throw new Malformed("half a surrogate pair in a field name at byte " + at);
  }

  // One UTF-8 sequence from its lead byte: shortest form, no surrogates, at most U+10FFFF (RFC 3629).
  private void skipUtf8(int lead) {
    int n;
    int min2;
    int max2 = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      n = 1;
      min2 = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      n = 2;
      min2 = lead == 0xe0 ? 0xa0 : 0x80;
      max2 = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      n = 3;
      min2 = lead == 0xf0 ? 0x90 : 0x80;
      max2 = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
      throw invalidUtf8();
    }
    if (i + n >= end) {
      throw invalidUtf8();
    }
    int second = b[i + 1] & 0xff;
    if (second < min2 || second > max2) {
      throw invalidUtf8();
    }
    for (int k = 2; k <= n; k++) {
      if ((b[i + k] & 0xc0) != 0x80) {
        throw invalidUtf8();
      }
    }
    i += n + 1;
  }

  private Malformed invalidUtf8() {
    return new Malformed("invalid UTF-8 at byte " + i + " (expected: JSON encoded as UTF-8)");
  }

  private void skipNumber() {
    int from = i;
    if (b[i] == '-') {
      i++;
    }
    if (i < end && b[i] == '0') {
      i++;
      if (i < end && b[i] >= '0' && b[i] <= '9') {
        throw new Malformed("a number with a leading zero at byte " + from);
      }
    } else if (!digits()) {
      throw unexpected("a digit");
    }
    if (i < end && b[i] == '.') {
      i++;
      if (!digits()) {
        throw unexpected("a digit after the decimal point");
      }
    }
    if (i < end && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      if (i < end && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      if (!digits()) {
        throw unexpected("a digit in the exponent");
      }
    }
    if (i - from > MAX_NUMBER_LENGTH) {
      throw new Malformed("a number of " + (i - from) + " characters at byte " + from + " (expected: at most " + MAX_NUMBER_LENGTH + ")");
    }
  }

  private boolean digits() {
    int from = i;
    while (i < end && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    return i > from;
  }

  private void skipLiteral(byte[] literal) {
    int to = i + literal.length;
    // "truex" is one unknown word, not true and then an x.
    if (!isLiteral(i, Math.min(end, to), literal) || (to < end && isWordByte(b[to]))) {
      throw unexpected("a value");
    }
    i = to;
  }

  private static boolean isWordByte(byte c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' || c < 0;
  }

  private boolean isLiteral(int from, int to, byte[] literal) {
    if (to - from != literal.length) {
      return false;
    }
    for (int k = 0; k < literal.length; k++) {
      if (b[from + k] != literal[k]) {
        return false;
      }
    }
    return true;
  }

  // Whether the string b[from, to) (quotes included) names `name`; an escaped name is decoded first.
  private boolean isName(int from, int to, byte[] name) {
    if (!escaped) {
      return isLiteral(from + 1, to - 1, name);
    }
    return text(from, to).equals(new String(name, StandardCharsets.UTF_8));
  }

  private boolean isName(int from, int to, String name) {
    if (!escaped && to - from - 2 == name.length()) {
      for (int k = 0; k < name.length(); k++) {
        char c = name.charAt(k);
        if (c >= 0x80) {
          return text(from, to).equals(name);
        }
        if (b[from + 1 + k] != c) {
          return false;
        }
      }
      return true;
    }
    // Escaped, or as many bytes as the name has chars only if it is ASCII: else compared as text.
    return (escaped || !name.chars().allMatch(c -> c < 0x80)) && text(from, to).equals(name);
  }

  /** The text of the string literal b[from, to), quotes included. */
  private String text(int from, int to) {
    int s = from + 1;
    int e = to - 1;
    int backslash = s;
    while (backslash < e && b[backslash] != '\\') {
      backslash++;
    }
    if (backslash == e) {
      return new String(b, s, e - s, StandardCharsets.UTF_8);
    }
    StringBuilder out = new StringBuilder(e - s);
    int k = s;
    while (k < e) {
      int run = k;
      while (run < e && b[run] != '\\') {
        run++;
      }
      out.append(new String(b, k, run - k, StandardCharsets.UTF_8));
      if (run == e) {
        break;
      }
      byte c = b[run + 1];
      switch (c) {
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> out.append((char) Integer.parseInt(new String(b, run + 2, 4, StandardCharsets.US_ASCII), 16));
        default -> out.append((char) c);
      }
      k = run + (c == 'u' ? 6 : 2);
    }
    return out.toString();
  }

  /** The value of the top-level string field {@code name} the scan was asked to keep, or {@code null}. */
  String field(String name) {
    int index = fields.indexOf(name);
    return index < 0 || fieldValues == null ? null : fieldValues[index];
  }

  // Which segment field the name just read is, -1 for none; asked before its value is read, as isName needs.
  private int segmentField(int nameStart, int nameEnd) {
    if (fieldValues == null) {
      return -1;
    }
    for (int k = 0; k < fieldValues.length; k++) {
      if (isName(nameStart, nameEnd, fields.get(k))) {
        return k;
      }
    }
    return -1;
  }

  // A segment field's value b[from, i) is kept when it is a string.
  private void keepSegmentField(int field, int from) {
    if (field >= 0 && b[from] == '"') {
      fieldValues[field] = text(from, i);
    }
  }

  // A number whose digits before any exponent are all zero (0, -0.0, 0e7); anything else, numbers included, is not.
  private boolean isZero(int from, int to) {
    byte c = b[from];
    if (c != '-' && (c < '0' || c > '9')) {
      return false;
    }
    for (int k = from; k < to && b[k] != 'e' && b[k] != 'E'; k++) {
      if (b[k] >= '1' && b[k] <= '9') {
        return false;
      }
    }
    return true;
  }

  // An integer that fits a long, else -1: a fraction, an exponent or a non-number is no count of choices.
  private long integral(int from, int to) {
    // Summed as a negative number, whose range reaches Long.MIN_VALUE.
    long negated = 0;
    boolean negative = b[from] == '-';
    int k = negative ? from + 1 : from;
    if (k == to) {
      return -1;
    }
    for (; k < to; k++) {
      int digit = b[k] - '0';
      if (digit < 0 || digit > 9 || negated < (Long.MIN_VALUE + digit) / 10) {
        return -1;
      }
      negated = negated * 10 - digit;
    }
    return negative ? negated : negated == Long.MIN_VALUE ? -1 : -negated;
  }

  // A sticky key from a scalar: a string's text, a number's or boolean's own; null and containers give none (an earlier one stands).
  private String scalarText(int from, int to) {
    byte c = b[from];
    if (c == '"') {
      return text(from, to);
    }
    if (c == '{' || c == '[' || c == 'n') {
      return null;
    }
    return new String(b, from, to - from, StandardCharsets.US_ASCII);
  }

  private Malformed unexpected(String expected) {
    if (i >= end) {
      return new Malformed("the body ends at byte " + end + " (expected: " + expected + ")");
    }
    int c = b[i] & 0xff;
    String what = c >= 0x21 && c < 0x7f ? "'" + (char) c + "'" : "byte 0x" + Integer.toHexString(c);
    return new Malformed("unexpected " + what + " at byte " + i + " (expected: " + expected + ")");
  }

  private void refuse(String message, String param) {
    problem = message;
    problemParam = param;
  }

  /** A body that is not well-formed JSON; the message names what and where. */
  private static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }
}
