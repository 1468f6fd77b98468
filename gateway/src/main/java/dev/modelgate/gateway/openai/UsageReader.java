package dev.modelgate.gateway.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Reads the token counts an answer reports in its {@code usage} object while the answer is being
 * relayed — it is fed every chunk the client gets and never holds the answer back.
 *
 * <p>A JSON answer goes through Jackson's non-blocking parser, chunk by chunk, watching only the
 * top-level {@code usage}. A Server-Sent Events stream is split into lines; only a {@code data:}
 * line that mentions {@code "usage"} is parsed (the final usage chunk of a chat stream with
 * {@code include_usage}, or the Responses API's {@code response.completed}). Chat and completions
 * report {@code prompt_tokens}/{@code completion_tokens}, the Responses API
 * {@code input_tokens}/{@code output_tokens}. An answer it cannot read simply yields no counts.
 */
public final class UsageReader {
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] USAGE = "\"usage\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  // An SSE line longer than this is a content delta, never a usage report: stop collecting it.
  private static final int MAX_LINE = 64 * 1024;

  private final boolean eventStream;
  private JsonParser json;
  private int depth;
  private boolean inUsage;
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
    if (contentType == null) {
      return null;
    }
    if (contentType.regionMatches(true, 0, "text/event-stream", 0, 17)) {
      return new UsageReader(true);
    }
    if (contentType.regionMatches(true, 0, "application/json", 0, 16)) {
      return new UsageReader(false);
    }
    return null;
  }

  public void feed(byte[] chunk) {
    if (done) {
      return;
    }
    if (eventStream) {
      feedLines(chunk);
    } else {
      feedJson(chunk);
    }
  }

  /** Prompt (input) tokens, or {@code null} when the answer reported none. */
  public Long promptTokens() {
    return promptTokens < 0 ? null : promptTokens;
  }

  /** Completion (output) tokens, or {@code null} when the answer reported none. */
  public Long completionTokens() {
    return completionTokens < 0 ? null : completionTokens;
  }

  private void feedJson(byte[] chunk) {
    try {
      if (json == null) {
        json = JSON.createNonBlockingByteArrayParser();
      }
      ((ByteArrayFeeder) json.getNonBlockingInputFeeder()).feedInput(chunk, 0, chunk.length);
      JsonToken token;
      while ((token = json.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
        track(json, token);
        if (done) {
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      done = true;
    }
    if (done && json != null) {
      closeJson();
    }
  }

  // Closing hands the field names this parser learnt back to the factory's shared table; an
  // unclosed parser makes the next answer copy and rebuild that table.
  private void closeJson() {
    try {
      json.close();
    } catch (IOException | RuntimeException e) {
      // Nothing more to read from it either way.
    }
  }

  // Depth 1 is the answer object; usage is a field of it (chat, completions, embeddings).
  private void track(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT, START_ARRAY -> {
        depth++;
        if (depth == 2 && token == JsonToken.START_OBJECT && "usage".equals(parser.currentName())) {
          inUsage = true;
        }
      }
      case END_OBJECT, END_ARRAY -> {
        if (inUsage && depth == 2) {
          inUsage = false;
          done = true;
        }
        depth--;
      }
      case VALUE_NUMBER_INT -> {
        if (inUsage && depth == 2) {
          count(parser.currentName(), parser.getLongValue());
        }
      }
      default -> { }
    }
  }

  private void count(String field, long value) {
    switch (field) {
      case "prompt_tokens", "input_tokens" -> promptTokens = value;
      case "completion_tokens", "output_tokens" -> completionTokens = value;
      default -> { }
    }
  }

  private void feedLines(byte[] chunk) {
    int start = 0;
    for (int i = 0; i < chunk.length; i++) {
      if (chunk[i] == '\n') {
        appendToLine(chunk, start, i - start);
        endLine();
        start = i + 1;
      }
    }
    appendToLine(chunk, start, chunk.length - start);
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
      boolean inside = false;
      int usageLevel = -1;
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          level++;
          if (token == JsonToken.START_OBJECT && "usage".equals(parser.currentName()) && level <= 3) {
            inside = true;
            usageLevel = level;
          }
        } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          if (inside && level == usageLevel) {
            inside = false;
          }
          level--;
        } else if (inside && level == usageLevel && token == JsonToken.VALUE_NUMBER_INT) {
          count(parser.currentName(), parser.getLongValue());
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
