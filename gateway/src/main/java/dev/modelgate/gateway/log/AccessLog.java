package dev.modelgate.gateway.log;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private final ConcurrentLinkedQueue<AccessRecord> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final OutputStream out;
  private final boolean ownsStream;
  private final Thread writer;
  // Used by the writer thread only.
  private final JsonLine line = new JsonLine();
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
    try {
      while (true) {
        AccessRecord record = queue.poll();
        if (record != null) {
          queued.decrementAndGet();
          write(record, line, out);
          continue;
        }
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

  /** Writes one record as a line of {@code out}; {@code line} is the writer's. */
  static void write(AccessRecord r, JsonLine line, OutputStream out) throws IOException {
    line.begin()
        .utcMillis("time", r.epochMillis())
        .string("request_id", r.requestId())
        .constant("method", r.method())
        .string("path", r.path())
        .constant("model", r.model())
        .constant("alias", r.alias())
        .constant("version", r.version())
        .constant("artifact", r.artifact())
        .constant("route", r.route());
    if (r.segment() != null) {
      line.constant("segment", r.segment());
    }
    line.constant("endpoint", r.endpoint())
        .number("status", r.status())
        .thousandths("latency_ms", Math.round(r.latencyMs() * 1000));
    if (r.ttftMs() == null) {
      line.nul("ttft_ms");
    } else {
      line.thousandths("ttft_ms", Math.round(r.ttftMs() * 1000));
    }
    line.number("prompt_tokens", r.promptTokens()).number("completion_tokens", r.completionTokens());
    if (r.error() != null) {
      line.string("error", r.error());
    }
    if (r.cache() != null) {
      line.constant("cache", r.cache());
    }
    line.writeTo(out);
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
