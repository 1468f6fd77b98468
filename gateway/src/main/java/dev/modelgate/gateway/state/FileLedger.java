package dev.modelgate.gateway.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Messages;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.BreachRuns;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.schema.SnapshotJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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
 * {@link #appendAll} of two or more events writes a header line {@code {"batch":N}} and then the N
 * event lines, with one write and one fsync: a start-up declaring thousands of models pays one
 * fsync, and a crash before it completes leaves a batch short of its N events, dropped whole.
 *
 * <p><b>Opening</b> reads the whole file and tells those two cases apart, because they call for
 * opposite answers:
 * <ul>
 *   <li>a last line without its newline, or unreadable, is a torn append: it is reported (a
 *       WARNING naming the byte offset, and {@link #tornLine()}) and the file is truncated back to
 *       the last complete line, so the next append starts on a clean line; so is a last batch the
 *       file ends inside of, from its header on, whatever its lines hold;
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
 * <p><b>Snapshots</b> ({@link #saveSnapshot}) are {@code snapshot-<seq>.json} files beside the
 * ledger, each a {@link SnapshotJson} naming the byte offset and line where the events after it
 * start; a new one is written whole under a temporary name, fsynced and renamed, and the newest
 * two are kept. Opening reads the newest snapshot whose offset lands on the start of the event
 * after its seq, and reads, checks and keeps in memory only the events from there: a million
 * events behind a snapshot cost nothing at start-up. A snapshot that cannot be read or does not
 * fit the file is skipped with a WARNING; without one the whole file is read, as before.
 *
 * <p>Memory holds no history: {@link #since} reads the file, from a sparse index of every
 * {@value #INDEX_STRIDE}th event's offset, built on the first query and extended as the file grows.
 */
public final class FileLedger implements Ledger {
  public static final String FILE_NAME = "ledger.jsonl";
  private static final String LOCK_FILE_NAME = "ledger.lock";
  private static final Logger LOG = Logger.getLogger(FileLedger.class.getName());
  /** Far above any real event; a longer "line" is damage, not an event, and must not exhaust memory. */
  private static final int MAX_LINE_BYTES = 16 * 1024 * 1024;
  /** Heads the events of one {@link #appendAll} of two or more, as {@code {"batch":N}}: a batch is whole or torn. */
  private static final String BATCH_PREFIX = "{\"batch\":";
  private static final int WRITE_CHUNK_CHARS = 256 << 10;

  private static final String SNAPSHOT_PREFIX = "snapshot-";
  private static final String SNAPSHOT_SUFFIX = ".json";
  private static final int SNAPSHOTS_KEPT = 2;
  private static final int INDEX_STRIDE = 256;

  private final Path dir;
  private final Path file;
  private final FileChannel channel;
  private final FileChannel lockChannel;
  private final TornLine torn;
  private final BreachRunsFile breachRuns;
  private final Object writeLock = new Object();
  private final SeqIndex index = new SeqIndex();
  // Guarded by writeLock: the end of the last acknowledged line, and how many lines lie before it.
  private long end;
  private long lines;
  private IOException failure;
  // What opening read, handed to the first replay() unless an append came first; guarded by writeLock.
  private Replay opened;
  private volatile long lastSeq;

  private FileLedger(Path dir, Path file, FileChannel channel, FileChannel lockChannel, Replay opened, long end, long lines, TornLine torn,
      BreachRunsFile breachRuns) {
    this.dir = dir;
    this.file = file;
    this.breachRuns = breachRuns;
    this.channel = channel;
    this.lockChannel = lockChannel;
    this.opened = opened;
    this.end = end;
    this.lines = lines;
    this.torn = torn;
    List<AuditEvent> tail = opened.tail();
    this.lastSeq = tail.isEmpty() ? opened.snapshot().seq() : tail.get(tail.size() - 1).seq();
  }

  /**
   * Opens (creating if need be) the ledger under {@code dir} and reads it.
   *
   * @throws LedgerCorruptException when the file is damaged before its last line
   * @throws IOException when the directory or file cannot be created or read
   */
  public static FileLedger open(Path dir) throws IOException {
    return open(dir, Registry.EMPTY);
  }

  /**
   * Like {@link #open(Path)}; a snapshot's versions equal to those of {@code likely} (the config
   * file's models, at start-up) are those very instances, not a second copy of each.
   */
  public static FileLedger open(Path dir, Registry likely) throws IOException {
    requireNonNull(dir, "dir");
    requireNonNull(likely, "likely");
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
      long size = channel.size();
      Snapshot snapshot = newestSnapshot(dir, channel, size, likely);
      List<AuditEvent> tail = new ArrayList<>();
      Read read = read(file, snapshot.bytes, snapshot.lines, snapshot.state.seq(), size, tail);
      TornLine torn = read.torn;
      long end = size;
      if (torn != null) {
        channel.truncate(torn.offset());
        channel.force(true);
        end = torn.offset();
        LOG.warning(file + ": dropped an incomplete last line (line " + torn.line() + " at byte offset " + torn.offset() + ", "
            + torn.length() + " bytes: " + torn.problem() + "); it was cut short by a crash before it was acknowledged");
      }
      return new FileLedger(dir, file, channel, lockChannel, new Replay(snapshot.state, tail), end, read.lines, torn, BreachRunsFile.open(dir));
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
  public Replay replay() throws IOException {
    long through;
    synchronized (writeLock) {
      if (opened != null) {
        Replay read = opened;
        opened = null;
        return read;
      }
      through = end;
    }
    Snapshot snapshot = newestSnapshot(dir, channel, through, Registry.EMPTY);
    List<AuditEvent> tail = new ArrayList<>();
    if (read(file, snapshot.bytes, snapshot.lines, snapshot.state.seq(), through, tail).torn != null) {
      throw new IOException(file + ": changed under the gateway: acknowledged lines before byte offset " + through + " no longer read whole");
    }
    return new Replay(snapshot.state, tail);
  }

  @Override
  public void saveSnapshot(LedgerState state) throws IOException {
    requireNonNull(state, "state");
    long bytes;
    long before;
    synchronized (writeLock) {
      if (state.seq() != lastSeq) {
        throw new IllegalArgumentException("a snapshot at seq " + state.seq() + " of a ledger at seq " + lastSeq + " (expected: the same seq)");
      }
      bytes = end;
      before = lines;
    }
    if (state.seq() == 0) {
      return;
    }
    Path target = dir.resolve(SNAPSHOT_PREFIX + state.seq() + SNAPSHOT_SUFFIX);
    Path temporary = dir.resolve(SNAPSHOT_PREFIX + state.seq() + SNAPSHOT_SUFFIX + ".tmp");
    try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      // Streamed: at 10,000 models the document is tens of MB, which a String and its bytes would hold twice over.
      SnapshotJson.write(state, bytes, before, Channels.newOutputStream(out));
      out.force(true);
    }
    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(dir);
    List<Long> seqs = snapshotSeqs(dir);
    for (Long old : seqs.subList(Math.min(SNAPSHOTS_KEPT, seqs.size()), seqs.size())) {
      Files.deleteIfExists(dir.resolve(SNAPSHOT_PREFIX + old + SNAPSHOT_SUFFIX));
    }
  }

  /** A snapshot's state and where the events after it start in the file; {@link #NONE}: the whole file. */
  private record Snapshot(LedgerState state, long bytes, long lines) {
    static final Snapshot NONE = new Snapshot(LedgerState.EMPTY, 0, 0);
  }

  // The newest snapshot that reads and lands on the start of the event after it within the first size bytes.
  private static Snapshot newestSnapshot(Path dir, FileChannel channel, long size, Registry likely) throws IOException {
    for (long seq : snapshotSeqs(dir)) {
      Path path = dir.resolve(SNAPSHOT_PREFIX + seq + SNAPSHOT_SUFFIX);
      String problem;
      try {
        SnapshotJson json = SnapshotJson.read(path, likely);
        problem = json.seq() != seq ? "holds seq " + json.seq() + ", not the seq its name says"
            : json.ledgerBytes() == null || json.ledgerLines() == null ? "has no ledger_bytes or ledger_lines (expected: both, in a file store's snapshot)"
            : positionProblem(channel, size, json.ledgerBytes(), seq);
        if (problem == null) {
          return new Snapshot(json.toState(), json.ledgerBytes(), json.ledgerLines());
        }
      } catch (IllegalArgumentException e) {
        problem = "cannot be read: " + e.getMessage();
      } catch (IOException e) {
        problem = "cannot be read: " + e;
      }
      LOG.warning(path + " " + problem + "; ignored, start-up reads the ledger from an older snapshot or its start instead");
    }
    return Snapshot.NONE;
  }

  /** Why the events after {@code seq} do not start at {@code bytes} of the first {@code size}, or null when they seem to. */
  private static String positionProblem(FileChannel channel, long size, long bytes, long seq) throws IOException {
    if (bytes < 1 || bytes > size) {
      return "points at byte offset " + bytes + " of a ledger of " + size + " acknowledged bytes";
    }
    String next = "{\"seq\":" + (seq + 1) + ",";
    ByteBuffer around = ByteBuffer.allocate((int) Math.min(1 + next.length(), size - bytes + 1));
    while (around.hasRemaining() && channel.read(around, bytes - 1 + around.position()) > 0) {
      // Reads until the buffer is full; the size bounds it.
    }
    String found = new String(around.array(), 0, around.position(), UTF_8);
    if (!found.startsWith("\n")) {
      return "points at byte offset " + bytes + ", which does not follow a line's end";
    }
    String after = found.substring(1);
    if (bytes < size && !after.startsWith(BATCH_PREFIX) && !after.equals(next.substring(0, Math.min(next.length(), after.length())))) {
      return "points at byte offset " + bytes + ", where seq " + (seq + 1) + " does not start";
    }
    return null;
  }

  // Newest first.
  private static List<Long> snapshotSeqs(Path dir) throws IOException {
    List<Long> seqs = new ArrayList<>();
    try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, SNAPSHOT_PREFIX + "*" + SNAPSHOT_SUFFIX)) {
      for (Path path : found) {
        String name = path.getFileName().toString();
        String digits = name.substring(SNAPSHOT_PREFIX.length(), name.length() - SNAPSHOT_SUFFIX.length());
        if (!digits.isEmpty() && digits.length() < 19 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
          seqs.add(Long.parseLong(digits));
        }
      }
    }
    seqs.sort(Comparator.reverseOrder());
    return seqs;
  }


  @Override
  public List<AuditEvent> appendAll(List<AuditEventDraft> drafts) throws IOException {
    requireNonNull(drafts, "drafts");
    if (drafts.isEmpty()) {
      return List.of();
    }
    synchronized (writeLock) {
      if (failure != null) {
        throw new IOException(file + ": no appends after a failed write (" + failure.getMessage() + "); restart to re-read the ledger", failure);
      }
      if (lastSeq == 0) {
        // Snapshots beside an empty ledger belong to a history that is gone (an import starts a new one).
        for (long stale : snapshotSeqs(dir)) {
          Files.deleteIfExists(dir.resolve(SNAPSHOT_PREFIX + stale + SNAPSHOT_SUFFIX));
        }
      }
      List<AuditEvent> appended = new ArrayList<>(drafts.size());
      long seq = lastSeq;
      for (AuditEventDraft draft : drafts) {
        appended.add(requireNonNull(draft, "draft").withSeq(++seq));
      }
      long position = end;
      try {
        // In chunks: a config batch of 10,000 models is 11 MB of JSON, which as one text (and its
        // builder's copies, and its bytes) a small heap holds several times over in its old generation.
        StringBuilder chunk = new StringBuilder(WRITE_CHUNK_CHARS + 4096);
        if (drafts.size() > 1) {
          chunk.append(BATCH_PREFIX).append(drafts.size()).append("}\n");
        }
        for (AuditEvent event : appended) {
          chunk.append(EventJson.write(event)).append('\n');
          if (chunk.length() >= WRITE_CHUNK_CHARS) {
            position = write(chunk, position);
            chunk.setLength(0);
          }
        }
        position = write(chunk, position);
        channel.force(false);
      } catch (IOException | RuntimeException e) {
        if (e instanceof IOException) {
          failure = (IOException) e;
        }
        try {
          // Best effort, so a restart does not find half a line; the restart's read decides anyway.
          channel.truncate(end);
        } catch (IOException again) {
          e.addSuppressed(again);
          if (failure == null) {
            failure = again;
          }
        }
        throw e;
      }
      end = position;
      this.lines += drafts.size() + (drafts.size() > 1 ? 1 : 0);
      opened = null;
      lastSeq = seq;
      return appended;
    }
  }

  // Through a String: its encoder is the JDK's fast one, a CharBuffer's goes char by char.
  private long write(StringBuilder lines, long position) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(UTF_8));
    while (bytes.hasRemaining()) {
      position += channel.write(bytes, position);
    }
    return position;
  }

  @Override
  public List<AuditEvent> since(long afterSeq, int limit, String model, String alias) throws IOException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: 1 or more)");
    }
    long through;
    long last;
    synchronized (writeLock) {
      through = end;
      last = lastSeq;
    }
    List<AuditEvent> found = new ArrayList<>(Math.min(limit, 256));
    if (afterSeq >= last) {
      return found;
    }
    long[] start = index.lineAtOrBefore(Math.max(afterSeq, 0) + 1, through);
    long seq = start[0] - 1;
    try (Lines lines = new Lines(file, start[1], through, 0)) {
      while (found.size() < limit && lines.next()) {
        if (batchSize(lines.bytes(), lines.length()) >= 0) {
          continue;
        }
        if (++seq > afterSeq) {
          AuditEvent event;
          try {
            event = EventJson.read(lines.bytes(), 0, lines.length());
          } catch (IllegalArgumentException e) {
            // Lines before the last snapshot are not read at start-up, so damage there shows here first.
            throw new IOException(file + ": seq " + seq + " at byte offset " + lines.offset() + " cannot be read: " + e.getMessage(), e);
          }
          if ((model == null || model.equals(event.model())) && (alias == null || alias.equals(event.alias()))) {
            found.add(event);
          }
        }
      }
    }
    return found;
  }

  /**
   * The byte offset of every {@value #INDEX_STRIDE}th event's line (seq 1, 257, …), so a query
   * for old events reads a few hundred lines, not the file. Lines are counted, not parsed: below
   * the acknowledged end every line is a batch header or the next seq.
   */
  private final class SeqIndex {
    private long[] offsets = new long[64];
    private int size;
    private long scannedTo;
    private long scannedSeq;

    /** {seq, offset} of an event line at or before {@code seq}, indexing the file up to {@code through} first. */
    synchronized long[] lineAtOrBefore(long seq, long through) throws IOException {
      if (scannedTo < through) {
        try (Lines lines = new Lines(file, scannedTo, through, 0)) {
          while (lines.next()) {
            if (batchSize(lines.bytes(), lines.length()) >= 0) {
              continue;
            }
            if (scannedSeq++ % INDEX_STRIDE == 0) {
              if (size == offsets.length) {
                offsets = Arrays.copyOf(offsets, size * 2);
              }
              offsets[size++] = lines.offset();
            }
          }
        }
        scannedTo = through;
      }
      int entry = (int) Math.min((seq - 1) / INDEX_STRIDE, size - 1);
      return new long[] {(long) entry * INDEX_STRIDE + 1, offsets[entry]};
    }
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

  /**
   * Reads every complete event into {@code events}; returns the torn last append, or null. A batch
   * is torn when the file ends before all the events its header announces; what it does hold is
   * then dropped with it, an unreadable line included, since none of it was acknowledged.
   */
  private static Read read(Path file, long from, long firstLine, long base, long size, List<AuditEvent> events) throws IOException {
    try (Lines lines = new Lines(file, from, size, firstLine)) {
      TornLine torn = read(file, lines, base, size, events);
      return new Read(torn, torn != null ? torn.line() - 1 : lines.number());
    }
  }

  /** What a read found: the torn last append, or null, and how many lines lie before the acknowledged end. */
  private record Read(TornLine torn, long lines) {}

  // Reads from lines the events after seq base, to the end.
  private static TornLine read(Path file, Lines lines, long base, long size, List<AuditEvent> events) throws IOException {
    Batch batch = null;
    while (lines.next()) {
      int number = lines.number();
      byte[] line = lines.bytes();
      int length = lines.length();
      if (!lines.ended()) {
        return batch != null ? dropBatch(batch, events, size, "cut short in line " + number + ", which has no newline at its end")
            : new TornLine(number, lines.offset(), length, "no newline at its end, starting " + preview(line, length));
      }
      boolean last = lines.offset() + length + 1 >= size;
      if (batch != null && batch.problem != null) {
        // Past an unreadable line of a batch, only whether the batch ends before the file matters.
        if (batch.counted()) {
          return unreadableBatch(file, batch, events, size, last);
        }
        continue;
      }
      int announced = batchSize(line, length);
      if (announced >= 0) {
        if (batch != null) {
          throw new LedgerCorruptException(file, number, "a batch header inside the batch that line " + batch.line + " opened (expected: its "
              + batch.size + " events)");
        }
        if (announced < 2) {
          throw new LedgerCorruptException(file, number, "a batch of " + announced + " events (expected: 2 or more)");
        }
        batch = new Batch(number, lines.offset(), announced, events.size());
        continue;
      }
      AuditEvent event;
      try {
        event = EventJson.read(line, 0, length);
      } catch (IllegalArgumentException e) {
        if (batch != null) {
          batch.problem = e.getMessage();
          batch.problemLine = number;
          if (batch.counted()) {
            return unreadableBatch(file, batch, events, size, last);
          }
          continue;
        }
        if (last) {
          return new TornLine(number, lines.offset(), length + 1, e.getMessage());
        }
        throw new LedgerCorruptException(file, number, e.getMessage());
      }
      long expected = base + events.size() + 1;
      if (event.seq() != expected) {
        throw new LedgerCorruptException(file, number, "seq " + event.seq()
            + (expected == 1 ? " opens the ledger" : " follows seq " + (expected - 1))
            + " (expected: " + expected + "; a gap or a repeat means events were lost or duplicated)");
      }
      events.add(event);
      if (batch != null && batch.counted()) {
        batch = null;
      }
    }
    if (batch != null) {
      return dropBatch(batch, events, size, batch.problem != null ? "line " + batch.problemLine + ": " + batch.problem : "the file ends before its last event");
    }
    return null;
  }

  // A batch with all its lines but one unreadable: torn if it ends the file, as a single line would be, else damage.
  private static TornLine unreadableBatch(Path file, Batch batch, List<AuditEvent> events, long size, boolean last) throws IOException {
    if (!last) {
      throw new LedgerCorruptException(file, batch.problemLine, batch.problem);
    }
    return dropBatch(batch, events, size, "line " + batch.problemLine + ": " + batch.problem);
  }

  private static TornLine dropBatch(Batch batch, List<AuditEvent> events, long size, String problem) {
    events.subList(batch.eventsBefore, events.size()).clear();
    return new TornLine(batch.line, batch.offset, size - batch.offset, "a batch of " + batch.size + " events, " + problem);
  }

  // The size a batch header announces, or -1 when the line is not one.
  private static int batchSize(byte[] line, int length) {
    int prefix = BATCH_PREFIX.length();
    if (length <= prefix + 1 || line[length - 1] != '}' || length - prefix - 1 > 9) {
      return -1;
    }
    for (int i = 0; i < prefix; i++) {
      if (line[i] != BATCH_PREFIX.charAt(i)) {
        return -1;
      }
    }
    int size = 0;
    for (int i = prefix; i < length - 1; i++) {
      if (line[i] < '0' || line[i] > '9') {
        return -1;
      }
      size = size * 10 + (line[i] - '0');
    }
    return size;
  }

  /** A batch being read: its header's line and offset, how many events it announced and has shown. */
  private static final class Batch {
    final int line;
    final long offset;
    final int size;
    final int eventsBefore;
    int seen;
    String problem;
    int problemLine;

    Batch(int line, long offset, int size, int eventsBefore) {
      this.line = line;
      this.offset = offset;
      this.size = size;
      this.eventsBefore = eventsBefore;
    }

    // Counts one more line of the batch; true when that was its last.
    boolean counted() {
      return ++seen == size;
    }
  }
  /** The file's lines, read in chunks; a line longer than {@link #MAX_LINE_BYTES} is damage. */
  private static final class Lines implements AutoCloseable {
    private final Path file;
    private final FileChannel in;
    private long unread;
    private final byte[] chunk = new byte[64 * 1024];
    private int chunkStart;
    private int chunkEnd;
    private byte[] line = new byte[8192];
    private int length;
    private boolean ended;
    private int number;
    private long offset;
    private long nextOffset;

    /** The lines between byte offsets {@code from} and {@code to}, the first being line {@code before + 1}. */
    Lines(Path file, long from, long to, long before) throws IOException {
      this.file = file;
      this.in = FileChannel.open(file, StandardOpenOption.READ).position(from);
      this.unread = to - from;
      this.offset = from;
      this.nextOffset = from;
      this.number = Math.toIntExact(before);
    }

    /** Reads the next line; false at the end of the file. */
    boolean next() throws IOException {
      offset = nextOffset;
      length = 0;
      ended = false;
      while (true) {
        if (chunkStart == chunkEnd) {
          chunkEnd = unread <= 0 ? -1 : in.read(ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, unread)));
          chunkStart = 0;
          unread -= Math.max(chunkEnd, 0);
          if (chunkEnd < 0) {
            chunkEnd = 0;
            break;
          }
        }
        int newline = chunkStart;
        while (newline < chunkEnd && chunk[newline] != '\n') {
          newline++;
        }
        append(newline - chunkStart);
        if (newline < chunkEnd) {
          chunkStart = newline + 1;
          ended = true;
          break;
        }
        chunkStart = chunkEnd;
      }
      if (!ended && length == 0) {
        return false;
      }
      number++;
      nextOffset = offset + length + (ended ? 1 : 0);
      return true;
    }

    private void append(int count) throws IOException {
      if (length + count > line.length) {
        if (length + count > MAX_LINE_BYTES) {
          throw new LedgerCorruptException(file, number + 1, "longer than " + MAX_LINE_BYTES + " bytes (expected: one audit event per line)");
        }
        line = Arrays.copyOf(line, Math.max(length + count, Math.min(line.length * 2, MAX_LINE_BYTES)));
      }
      System.arraycopy(chunk, chunkStart, line, length, count);
      length += count;
    }

    int number() {
      return number;
    }

    long offset() {
      return offset;
    }

    byte[] bytes() {
      return line;
    }

    int length() {
      return length;
    }

    /** Whether the line ended with a newline. */
    boolean ended() {
      return ended;
    }

    @Override
    public void close() throws IOException {
      in.close();
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
