package dev.modelgate.gateway.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the token counts an answer reports in its {@code usage} object while the answer is being
 * relayed — it is fed every chunk the client gets and never holds the answer back.
 *
 * <p>A JSON answer is scanned byte by byte, across chunks, tracking only nesting and strings (so a
 * {@code "usage"} inside a message's text, or as a value or a nested key, is not mistaken for it);
 * only the top-level {@code usage} object is collected and parsed. A Server-Sent Events stream is
 * split into lines; only a {@code data:} line that mentions {@code "usage"} is parsed (the final
 * usage chunk of a chat stream with {@code include_usage}, or the Responses API's
 * {@code response.completed}). Chat and completions report {@code prompt_tokens}/{@code completion_tokens},
 * the Responses API {@code input_tokens}/{@code output_tokens}. An answer it cannot read simply yields no counts.
 */
public final class UsageReader {
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USAGE_NAME = "usage".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
  // Chat and completions name their counters one way, the Responses API the other; prompt ones first.
  private static final String[] COUNTER_NAMES = {"prompt_tokens", "input_tokens", "completion_tokens", "output_tokens"};
  private static final int PROMPT_COUNTERS = 2;
  private static final byte[][] COUNTERS = Arrays.stream(COUNTER_NAMES).map(n -> n.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
  // An SSE line longer than this is a content delta, never a usage report: stop collecting it.
  private static final int MAX_LINE = 64 * 1024;
  // A usage object is a handful of counters; anything larger is not one worth reading.
  private static final int MAX_USAGE = 16 * 1024;

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BACKSLASHES = 0x5c5c5c5c5c5c5c5cL;

  // Where the JSON scan stands after the last byte of the top-level object seen so far.
  private static final int SCANNING = 0;
  private static final int AFTER_USAGE_NAME = 1;
  private static final int AFTER_USAGE_COLON = 2;
  private static final int IN_USAGE = 3;
  // The bytes outside strings that change the scan while it is not just past a "usage" name.
  private static final boolean[] STRUCTURAL = new boolean[256];

  static {
    for (char c : "{}[]\"".toCharArray()) {
      STRUCTURAL[c] = true;
    }
  }

  private boolean eventStream;
  private int depth;
  private boolean inString;
  private boolean escaped;
  // Bytes of "usage" matched by the string being read at depth 1, or -1 when it cannot be that name.
  private int nameMatched = -1;
  private int state = SCANNING;
  private byte[] usageBytes;
  private int usageLength;
  private boolean done;
  private ByteArrayOutputStream line;
  private boolean lineTooLong;
  private long promptTokens = -1;
  private long completionTokens = -1;

  private UsageReader(boolean eventStream) {
    this.eventStream = eventStream;
  }

  /** A reader for an answer of this content type; {@code null} for one that carries no usage. */
  public static UsageReader forContentType(String contentType) {
    return forContentType(contentType, null);
  }

  /**
   * Like {@link #forContentType(String)}, but {@code done} (a reader whose answer was read, or
   * {@code null}) is made ready for this one instead of a new reader: a connection's answers, read
   * one after another, then share one reader.
   */
  public static UsageReader forContentType(String contentType, UsageReader done) {
    if (contentType == null) {
      return null;
    }
    boolean eventStream = contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
    if (!eventStream && !contentType.regionMatches(true, 0, "application/json", 0, 16)) {
      return null;
    }
    if (done == null) {
      return new UsageReader(eventStream);
    }
    done.restart(eventStream);
    return done;
  }

  // As new; buffers that grew for one answer are not kept for the next.
  private void restart(boolean eventStream) {
    this.eventStream = eventStream;
    depth = 0;
    inString = false;
    escaped = false;
    nameMatched = -1;
    state = SCANNING;
    usageBytes = null;
    usageLength = 0;
    done = false;
    line = null;
    lineTooLong = false;
    promptTokens = -1;
    completionTokens = -1;
  }

  public void feed(byte[] chunk) {
    feed(chunk, 0, chunk.length);
  }

  /** Reads {@code chunk[from, to)}; the array is not kept. */
  public void feed(byte[] chunk, int from, int to) {
    if (done) {
      return;
    }
    if (eventStream) {
      feedLines(chunk, from, to);
    } else {
      feedJson(chunk, from, to);
    }
  }

  /** Whether more bytes could still change the counts: once the usage is read, the rest need not be fed. */
  public boolean wantsMore() {
    return !done;
  }

  /** Prompt (input) tokens, or {@code null} when the answer reported none. */
  public Long promptTokens() {
    return promptTokens < 0 ? null : promptTokens;
  }

  /** Completion (output) tokens, or {@code null} when the answer reported none. */
  public Long completionTokens() {
    return completionTokens < 0 ? null : completionTokens;
  }

  // The scan state lives in locals while a chunk is read (written back at the end): this loop sees
  // every byte outside the message's text. A string is read to its end in one step (the text by
  // skipText), and outside strings only {}[]" matter unless a "usage" name was just read.
  private void feedJson(byte[] chunk, int from, int n) {
    int usageFrom = state == IN_USAGE ? from : -1;
    int depth = this.depth;
    boolean inString = this.inString;
    boolean escaped = this.escaped;
    int nameMatched = this.nameMatched;
    int state = this.state;
    int i = from;
    while (i < n) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
        }
        // A name that may still be "usage": byte by byte; any other text: to its end or an escape.
        while (i < n && nameMatched >= 0) {
          byte b = chunk[i];
          if (b == '"' || b == '\\') {
            break;
          }
          nameMatched = nameMatched < USAGE_NAME.length && b == USAGE_NAME[nameMatched] ? nameMatched + 1 : -1;
          i++;
        }
        if (nameMatched < 0) {
          i = skipText(chunk, i, n);
        }
        if (i >= n) {
          break;
        }
        if (chunk[i] == '\\') {
          escaped = true;
          nameMatched = -1;
        } else {
          inString = false;
          if (nameMatched == USAGE_NAME.length) {
            state = AFTER_USAGE_NAME;
          }
        }
        i++;
        continue;
      }
      byte b = chunk[i++];
      if (state == SCANNING || state == IN_USAGE) {
        if (!STRUCTURAL[b & 0xff]) {
          continue;
        }
      } else if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
        continue;
      } else if (state == AFTER_USAGE_NAME) {
        state = b == ':' ? AFTER_USAGE_COLON : SCANNING;
        if (b == ':') {
          continue;
        }
      } else {
        // After "usage": — null (or anything but an object) reports nothing.
        state = b == '{' ? IN_USAGE : SCANNING;
        if (b == '{') {
          usageFrom = i - 1;
        }
      }
      switch (b) {
        case '"' -> {
          inString = true;
          nameMatched = depth == 1 && state == SCANNING ? 0 : -1;
        }
        case '{', '[' -> depth++;
        case '}', ']' -> {
          depth--;
          if (state == IN_USAGE && depth == 1) {
            if (usageLength == 0) {
              // The usage object came whole in this chunk (the usual case): read it where it is.
              readUsageObject(chunk, usageFrom, i);
            } else {
              collectUsage(chunk, usageFrom, i - usageFrom);
              if (!done) {
                readUsageObject(usageBytes, 0, usageLength);
              }
            }
            done = true;
            return;
          }
        }
        default -> { }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.nameMatched = nameMatched;
    this.state = state;
    if (state == IN_USAGE) {
      collectUsage(chunk, usageFrom, n - usageFrom);
    }
  }

  private void collectUsage(byte[] chunk, int from, int length) {
    if (usageLength + length > MAX_USAGE) {
      done = true;
      return;
    }
    if (usageBytes == null) {
      usageBytes = new byte[Math.max(256, length)];
    } else if (usageLength + length > usageBytes.length) {
      usageBytes = Arrays.copyOf(usageBytes, Math.max(usageBytes.length * 2, usageLength + length));
    }
    System.arraycopy(chunk, from, usageBytes, usageLength, length);
    usageLength += length;
  }

  /**
   * Reads the {@code {...}} in {@code b[from, to)} by hand: a flat object of counters, so creating a
   * Jackson parser (buffers, symbol table) per answer would cost more than the reading.
   */
  private void readUsageObject(byte[] b, int from, int to) {
    int end = to - 1;
    int i = from + 1;
    while (i < end) {
      i = skipWhitespace(b, i, end);
      if (i >= end || b[i] != '"') {
        return;
      }
      int nameFrom = i + 1;
      i = skipString(b, i, end);
      int nameTo = i - 1;
      i = skipWhitespace(b, i, end);
      if (i >= end || b[i] != ':') {
        return;
      }
      i = skipWhitespace(b, i + 1, end);
      int valueFrom = i;
      long value = 0;
      boolean integer = i < end;
      for (int depth = 0; i < end && (depth > 0 || (b[i] != ',' && b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t')); i++) {
        byte c = b[i];
        if (c == '"') {
          i = skipString(b, i, end) - 1;
        } else if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          depth--;
        }
        if (c >= '0' && c <= '9' && i - valueFrom < 18) {
          value = value * 10 + (c - '0');
        } else {
          integer = false;
        }
      }
      if (integer) {
        count(counterOf(b, nameFrom, nameTo), value);
      }
      i = skipWhitespace(b, i, end);
      if (i < end && b[i] != ',') {
        return;
      }
      i++;
    }
  }

  /**
   * The index of the first {@code "} or {@code \\} in {@code b[i, end)}, or {@code end}: eight bytes
   * per step (a zero byte of {@code v ^ pattern} marks a match), since most of an answer is the
   * text of its message.
   */
  static int skipText(byte[] b, int i, int end) {
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      long v = (long) LONGS.get(b, i);
      long quotes = v ^ QUOTES;
      long backslashes = v ^ BACKSLASHES;
      long found = ((quotes - ONES) & ~quotes | (backslashes - ONES) & ~backslashes) & HIGHS;
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    while (i < end && b[i] != '"' && b[i] != '\\') {
      i++;
    }
    return i;
  }

  private static int skipWhitespace(byte[] b, int i, int end) {
    while (i < end && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
      i++;
    }
    return i;
  }

  /** From an opening quote to just past its closing one. */
  private static int skipString(byte[] b, int i, int end) {
    for (i++; i < end; i++) {
      if (b[i] == '\\') {
        i++;
      } else if (b[i] == '"') {
        return i + 1;
      }
    }
    return end;
  }

  /** Counts the integer fields of the object the parser has just entered, up to its end. */
  private void countFields(JsonParser parser) throws IOException {
    int level = 1;
    JsonToken token;
    while (level > 0 && (token = parser.nextToken()) != null) {
      if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
        level++;
      } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
        level--;
      } else if (level == 1 && token == JsonToken.VALUE_NUMBER_INT) {
        count(counterOf(parser.currentName()), parser.getLongValue());
      }
    }
  }

  // Which counter a usage field is: an index into COUNTERS, or -1 for another field.
  private static int counterOf(String name) {
    for (int c = 0; c < COUNTER_NAMES.length; c++) {
      if (COUNTER_NAMES[c].equals(name)) {
        return c;
      }
    }
    return -1;
  }

  // The same, on the name's bytes in b[from, to): no String per field.
  private static int counterOf(byte[] b, int from, int to) {
    for (int c = 0; c < COUNTERS.length; c++) {
      if (Arrays.equals(b, from, to, COUNTERS[c], 0, COUNTERS[c].length)) {
        return c;
      }
    }
    return -1;
  }

  private void count(int counter, long value) {
    if (counter >= 0) {
      if (counter < PROMPT_COUNTERS) {
        promptTokens = value;
      } else {
        completionTokens = value;
      }
    }
  }

  private void feedLines(byte[] chunk, int from, int to) {
    int start = from;
    for (int i = from; i < to; i++) {
      if (chunk[i] == '\n') {
        appendToLine(chunk, start, i - start);
        endLine();
        start = i + 1;
      }
    }
    appendToLine(chunk, start, to - start);
  }

  private void appendToLine(byte[] bytes, int from, int length) {
    if (length == 0 || lineTooLong) {
      return;
    }
    if (line == null) {
      line = new ByteArrayOutputStream(256);
    }
    if (line.size() + length > MAX_LINE) {
      lineTooLong = true;
      return;
    }
    line.write(bytes, from, length);
  }

  private void endLine() {
    if (line != null && !lineTooLong && line.size() > DATA.length) {
      byte[] bytes = line.toByteArray();
      if (startsWith(bytes, DATA) && indexOf(bytes, USAGE) >= 0) {
        readUsageEvent(bytes);
      }
    }
    if (line != null) {
      line.reset();
    }
    lineTooLong = false;
  }

  // A usage report is the chunk's own "usage" (chat, completions) or the response's (Responses API).
  private void readUsageEvent(byte[] bytes) {
    try (JsonParser parser = JSON.createParser(bytes, DATA.length, bytes.length - DATA.length)) {
      int level = 0;
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          level++;
          if (token == JsonToken.START_OBJECT && level <= 3 && "usage".equals(parser.currentName())) {
            countFields(parser);
            level--;
          }
        } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          level--;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON after all ("[DONE]", a comment): no counts from this line.
    }
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] bytes, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= bytes.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
