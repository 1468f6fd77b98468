package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Messages;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.rollout.BreachRuns;
import dev.modelgate.gateway.schema.EventJson;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The embedded ledger: {@code ledger.jsonl} under {@code state.dir}, one {@link EventJson}
 * object per line, in {@code seq} order; the SLO guard's breach runs beside it in {@link
 * BreachRunsFile}, under the same lock.
 *
 * <p><b>Durability.</b> An append writes its whole line, newline included, and calls
 * {@link FileChannel#force(boolean) force(false)} (fdatasync, which also persists the new file
 * length) before it returns, so an acknowledged event survives {@code kill -9} and power loss.
 * A crash mid-append can leave only a prefix of the last line; that line was never acknowledged.
 *
 * <p><b>Opening</b> reads the whole file and tells those two cases apart, because they call for
 * opposite answers:
 * <ul>
 *   <li>a last line without its newline, or unreadable, is a torn append: it is reported (a
 *       WARNING naming the byte offset, and {@link #tornLine()}) and the file is truncated back to
 *       the last complete line, so the next append starts on a clean line;
 *   <li>an unreadable line before the last, or a {@code seq} that is not exactly one more than the
 *       previous, cannot come from a crash: {@link LedgerCorruptException} names the file and line
 *       and start-up stops, rather than guess which state was acknowledged.
 * </ul>
 *
 * <p><b>One writer.</b> Appends are serialised here, and opening takes an exclusive lock on
 * {@code ledger.lock} beside the file for as long as the ledger is open, so a second gateway on the
 * same {@code state.dir} stops at start-up instead of interleaving its appends (replicas share
 * state through PostgreSQL). The lock has a file of its own because closing any descriptor of a
 * file drops a process's POSIX locks on it, and the ledger file is opened again to be read.
 * A failed write or fsync leaves the file in a state this process cannot vouch for,
 * so the ledger then refuses further appends until the gateway restarts and re-reads it.
 *
 * <p>Events are kept in memory after opening for {@link #replay()} and {@link #since}: they are
 * written at human and SLO-guard pace, so the log stays small next to the heap.
 */
public final class FileLedger implements Ledger {
  public static final String FILE_NAME = "ledger.jsonl";
  private static final String LOCK_FILE_NAME = "ledger.lock";
  private static final Logger LOG = Logger.getLogger(FileLedger.class.getName());
  /** Far above any real event; a longer "line" is damage, not an event, and must not exhaust memory. */
  private static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

  private final Path file;
  private final FileChannel channel;
  private final FileChannel lockChannel;
  private final TornLine torn;
  private final BreachRunsFile breachRuns;
  private final Object writeLock = new Object();
  // Guarded by itself; seq n is at index n - 1.
  private final List<AuditEvent> events;
  // Guarded by writeLock.
  private long end;
  private IOException failure;
  private volatile long lastSeq;

  private FileLedger(Path file, FileChannel channel, FileChannel lockChannel, List<AuditEvent> events, long end, TornLine torn,
      BreachRunsFile breachRuns) {
    this.file = file;
    this.breachRuns = breachRuns;
    this.channel = channel;
    this.lockChannel = lockChannel;
    this.events = events;
    this.end = end;
    this.torn = torn;
    this.lastSeq = events.size();
  }

  /**
   * Opens (creating if need be) the ledger under {@code dir} and reads it.
   *
   * @throws LedgerCorruptException when the file is damaged before its last line
   * @throws IOException when the directory or file cannot be created or read
   */
  public static FileLedger open(Path dir) throws IOException {
    requireNonNull(dir, "dir");
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE_NAME);
    boolean created = !Files.exists(file);
    FileChannel lockChannel = lockExclusively(file, dir.resolve(LOCK_FILE_NAME));
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
    try {
      if (created) {
        syncDirectory(dir);
      }
      List<AuditEvent> events = new ArrayList<>();
      TornLine torn = read(file, channel.size(), events);
      long end = channel.size();
      if (torn != null) {
        channel.truncate(torn.offset());
        channel.force(true);
        end = torn.offset();
        LOG.warning(file + ": dropped an incomplete last line (line " + torn.line() + " at byte offset " + torn.offset() + ", "
            + torn.length() + " bytes: " + torn.problem() + "); it was cut short by a crash before it was acknowledged");
      }
      return new FileLedger(file, channel, lockChannel, events, end, torn, BreachRunsFile.open(dir));
    } catch (IOException | RuntimeException e) {
      channel.close();
      lockChannel.close();
      throw e;
    }
  }

  /** The lock lives as long as the returned channel: closing the ledger, or the process dying, releases it. */
  private static FileChannel lockExclusively(Path file, Path lockFile) throws IOException {
    FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
    if (lock == null) {
      lockChannel.close();
      throw new IOException(file + " is in use by another modelgate gateway (" + lockFile + " is locked); run one gateway per state.dir");
    }
    return lockChannel;
  }

  public Path file() {
    return file;
  }

  /** The torn last line dropped when the ledger was opened, if there was one. */
  public Optional<TornLine> tornLine() {
    return Optional.ofNullable(torn);
  }

  @Override
  public List<AuditEvent> replay() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  @Override
  public AuditEvent append(AuditEventDraft draft) throws IOException {
    requireNonNull(draft, "draft");
    synchronized (writeLock) {
      if (failure != null) {
        throw new IOException(file + ": no appends after a failed write (" + failure.getMessage() + "); restart to re-read the ledger", failure);
      }
      AuditEvent event = draft.withSeq(lastSeq + 1);
      ByteBuffer line = UTF_8.encode(EventJson.write(event) + "\n");
      long position = end;
      try {
        while (line.hasRemaining()) {
          position += channel.write(line, position);
        }
        channel.force(false);
      } catch (IOException e) {
        failure = e;
        try {
          // Best effort, so a restart does not find half a line; the restart's read decides anyway.
          channel.truncate(end);
        } catch (IOException again) {
          e.addSuppressed(again);
        }
        throw e;
      }
      end = position;
      synchronized (events) {
        events.add(event);
      }
      lastSeq = event.seq();
      return event;
    }
  }

  @Override
  public List<AuditEvent> since(long afterSeq, int limit, String model, String alias) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: 1 or more)");
    }
    List<AuditEvent> found = new ArrayList<>(Math.min(limit, 256));
    synchronized (events) {
      for (int i = (int) Math.min(Math.max(afterSeq, 0), events.size()); i < events.size() && found.size() < limit; i++) {
        AuditEvent event = events.get(i);
        if ((model == null || model.equals(event.model())) && (alias == null || alias.equals(event.alias()))) {
          found.add(event);
        }
      }
    }
    return found;
  }

  @Override
  public List<BreachRuns> breachRuns() {
    return breachRuns.all();
  }

  @Override
  public void saveBreachRuns(BreachRuns runs) throws IOException {
    requireNonNull(runs, "runs");
    breachRuns.save(runs);
  }

  @Override
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  public void close() throws IOException {
    synchronized (writeLock) {
      try {
        channel.close();
      } finally {
        lockChannel.close();
      }
    }
  }

  /** Reads every complete event into {@code events}; returns the torn last line, or null. */
  private static TornLine read(Path file, long size, List<AuditEvent> events) throws IOException {
    byte[] buffer = new byte[8192];
    long offset = 0;
    int lineNumber = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
      while (true) {
        int length = 0;
        boolean newline = false;
        int b;
        while ((b = in.read()) >= 0) {
          if (b == '\n') {
            newline = true;
            break;
          }
          if (length == buffer.length) {
            if (length >= MAX_LINE_BYTES) {
              throw new LedgerCorruptException(file, lineNumber + 1, "longer than " + MAX_LINE_BYTES + " bytes (expected: one audit event per line)");
            }
            buffer = Arrays.copyOf(buffer, length * 2);
          }
          buffer[length++] = (byte) b;
        }
        if (!newline && length == 0) {
          return null;
        }
        lineNumber++;
        if (!newline) {
          return new TornLine(lineNumber, offset, length, "no newline at its end, starting " + preview(buffer, length));
        }
        long next = offset + length + 1;
        AuditEvent event;
        try {
          event = EventJson.read(buffer, 0, length);
        } catch (IllegalArgumentException e) {
          if (next >= size) {
            return new TornLine(lineNumber, offset, length + 1, e.getMessage());
          }
          throw new LedgerCorruptException(file, lineNumber, e.getMessage());
        }
        long expected = events.size() + 1;
        if (event.seq() != expected) {
          throw new LedgerCorruptException(file, lineNumber, "seq " + event.seq()
              + (events.isEmpty() ? " opens the ledger" : " follows seq " + (expected - 1))
              + " (expected: " + expected + "; a gap or a repeat means events were lost or duplicated)");
        }
        events.add(event);
        offset = next;
      }
    }
  }

  private static String preview(byte[] bytes, int length) {
    return Messages.quote(new String(bytes, 0, Math.min(length, Messages.MAX_QUOTED * 4), UTF_8));
  }

  /** Makes a new file's directory entry durable; without it a crash could lose the whole file. */
  static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory; the file's own fsyncs are then all there is.
    }
  }
}
