package dev.modelgate.gateway.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * JSON-lines access log written by one background thread, so an event loop only enqueues a record
 * (a lock-free offer) and never touches the disk. The writer wakes every 50 ms (sooner when a
 * backlog builds), writes what is queued in one batch and flushes; {@link #close()} drains every
 * queued record before returning.
 *
 * <p>The queue is bounded: if the disk cannot keep up, records past the bound are dropped and
 * counted rather than letting memory grow without limit.
 */
public final class AccessLog implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AccessLog.class.getName());
  private static final int MAX_QUEUED = 65_536;
  // A backlog this long wakes the writer early, well before the bound drops records.
  private static final int WAKE_AT = 4_096;
  private static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  // One record per line: no separator between root values, the newline is written explicitly.
  private static final JsonFactory JSON = new JsonFactory().setRootValueSeparator(null);

  private final ConcurrentLinkedQueue<AccessRecord> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final OutputStream out;
  private final boolean ownsStream;
  private final Thread writer;
  private volatile boolean sleeping;
  private volatile boolean closing;

  private AccessLog(OutputStream out, boolean ownsStream) {
    this.out = out;
    this.ownsStream = ownsStream;
    if (out == null) {
      this.writer = null;
    } else {
      this.writer = new Thread(this::drainLoop, "modelgate-access-log");
      this.writer.setDaemon(true);
      this.writer.start();
    }
  }

  /**
   * Opens the access log named by the {@code access_log} setting: {@code "off"}, {@code "-"} for
   * standard output, or a file path (appended to; parent directories created).
   */
  public static AccessLog open(String target) {
    if (target.equals("off")) {
      return new AccessLog(null, false);
    }
    if (target.equals("-")) {
      return new AccessLog(System.out, false);
    }
    try {
      Path path = Path.of(target);
      if (path.getParent() != null) {
        Files.createDirectories(path.getParent());
      }
      return new AccessLog(new BufferedOutputStream(new FileOutputStream(path.toFile(), true), 64 * 1024), true);
    } catch (IOException e) {
      throw new UncheckedIOException("access_log: cannot open " + target + ": " + e.getMessage(), e);
    }
  }

  /** Enqueues a record; never blocks. */
  public void record(AccessRecord record) {
    if (writer == null) {
      return;
    }
    int n = queued.incrementAndGet();
    if (n > MAX_QUEUED) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    queue.offer(record);
    // The writer wakes by itself every FLUSH_INTERVAL; waking it per record would cost the event
    // loop a thread switch (and the disk a write) per request.
    if (n >= WAKE_AT && sleeping) {
      sleeping = false;
      LockSupport.unpark(writer);
    }
  }

  /** Records dropped because the writer fell behind. */
  public long dropped() {
    return dropped.get();
  }

  private void drainLoop() {
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      json.configure(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM, false);
      while (true) {
        AccessRecord record = queue.poll();
        if (record != null) {
          queued.decrementAndGet();
          write(json, record);
          continue;
        }
        json.flush();
        out.flush();
        if (closing && queue.isEmpty()) {
          return;
        }
        sleeping = true;
        if (queue.isEmpty() && !closing) {
          LockSupport.parkNanos(this, FLUSH_INTERVAL_NANOS);
        }
        sleeping = false;
      }
    } catch (IOException e) {
      LOG.log(Level.SEVERE, "access log write failed; no further records will be written", e);
    }
  }

  private static void write(JsonGenerator g, AccessRecord r) throws IOException {
    g.writeStartObject();
    g.writeStringField("time", Instant.ofEpochMilli(r.epochMillis()).toString());
    g.writeStringField("request_id", r.requestId());
    g.writeStringField("method", r.method());
    g.writeStringField("path", r.path());
    g.writeStringField("model", r.model());
    g.writeStringField("alias", r.alias());
    g.writeStringField("version", r.version());
    g.writeStringField("artifact", r.artifact());
    g.writeStringField("route", r.route());
    g.writeStringField("endpoint", r.endpoint());
    g.writeNumberField("status", r.status());
    g.writeNumberField("latency_ms", Math.round(r.latencyMs() * 1000) / 1000.0);
    if (r.ttftMs() == null) {
      g.writeNullField("ttft_ms");
    } else {
      g.writeNumberField("ttft_ms", Math.round(r.ttftMs() * 1000) / 1000.0);
    }
    writeNullable(g, "prompt_tokens", r.promptTokens());
    writeNullable(g, "completion_tokens", r.completionTokens());
    if (r.error() != null) {
      g.writeStringField("error", r.error());
    }
    g.writeEndObject();
    g.writeRaw('\n');
  }

  private static void writeNullable(JsonGenerator g, String field, Long value) throws IOException {
    if (value == null) {
      g.writeNullField(field);
    } else {
      g.writeNumberField(field, value);
    }
  }

  /** Writes every queued record, flushes, and closes the file. */
  @Override
  public void close() {
    if (writer == null) {
      return;
    }
    closing = true;
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(10));
      if (ownsStream) {
        out.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "closing the access log failed", e);
    }
  }
}
