package dev.modelgate.gateway.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.AuditEventDraft;
import dev.modelgate.core.ledger.LedgerState;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.state.Ledger;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code state export} and {@code state import}: a ledger as {@link EventJson} lines, one event
 * each, in seq order. Both go in batches of {@value #BATCH}, so a ledger of millions of events
 * never sits in memory whole; an import reads its file twice, once to check that every event folds
 * and once to write, so a file that would be refused writes nothing.
 */
final class LedgerTransfer {
  static final int BATCH = 10_000;

  private LedgerTransfer() {}

  /** Refused before anything was written: the message names the problem, and where. */
  static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
      super(message);
    }
  }

  static String export(Ledger ledger, Path out, String where) throws IOException {
    long through = ledger.lastSeq();
    FileChannel channel;
    try {
      channel = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException e) {
      throw new IOException(out + ": already exists (expected: a new file; export never overwrites)", e);
    }
    try (channel; Writer writer = Channels.newWriter(channel, UTF_8)) {
      long after = 0;
      while (after < through) {
        List<AuditEvent> page = ledger.since(after, BATCH, null, null);
        if (page.isEmpty()) {
          throw new IOException(where + ": the events end at seq " + after + " (expected: " + through + ")");
        }
        for (AuditEvent event : page) {
          if (event.seq() > through) {
            break;
          }
          writer.write(EventJson.write(event));
          writer.write('\n');
          after = event.seq();
        }
      }
      writer.flush();
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(out);
      throw e;
    }
    return "exported " + through + " events" + (through == 0 ? "" : " (seq 1 to " + through + ")") + " from " + where + " to " + out;
  }

  static String importInto(Ledger ledger, Path in, String where) throws IOException, Refusal {
    if (ledger.lastSeq() > 0) {
      throw new Refusal(where + " already holds " + ledger.lastSeq() + " events (expected: an empty ledger; import never merges"
          + " two histories)");
    }
    LedgerState[] folded = {LedgerState.EMPTY};
    long events = readBatches(in, batch -> {
      try {
        folded[0] = folded[0].applyAll(batch);
      } catch (IllegalArgumentException e) {
        throw new Refusal(in + ": " + e.getMessage() + " (nothing was imported)");
      }
    });
    long[] written = {0};
    try {
      readBatches(in, batch -> {
        List<AuditEventDraft> drafts = new ArrayList<>(batch.size());
        batch.forEach(event -> drafts.add(event.draft()));
        written[0] = ledger.appendAll(drafts).get(drafts.size() - 1).seq();
      });
      ledger.saveSnapshot(folded[0]);
    } catch (IOException | RuntimeException e) {
      throw new IOException(e.getMessage() + (written[0] == 0 ? " (nothing was imported)"
          : " (" + where + " now holds seq 1 to " + written[0] + " of " + events + ": empty it before importing again)"), e);
    }
    return "imported " + events + " events" + (events == 0 ? "" : " (seq 1 to " + events + ")") + " from " + in + " into " + where;
  }

  interface BatchSink {
    void accept(List<AuditEvent> batch) throws IOException, Refusal;
  }

  // Reads the file's events in batches, each seq one more than the last from 1; returns how many there were.
  private static long readBatches(Path in, BatchSink sink) throws IOException, Refusal {
    List<AuditEvent> batch = new ArrayList<>(BATCH);
    long seq = 0;
    try (BufferedReader reader = Files.newBufferedReader(in, UTF_8)) {
      int number = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        AuditEvent event;
        try {
          event = EventJson.read(line);
        } catch (IllegalArgumentException e) {
          throw new Refusal(in + ":" + number + ": " + e.getMessage() + " (expected: one event per line, as state export writes them)");
        }
        if (event.seq() != seq + 1) {
          throw new Refusal(in + ":" + number + ": seq " + event.seq() + " (expected: " + (seq + 1) + "; the events must run from seq 1 without a gap)");
        }
        seq++;
        batch.add(event);
        if (batch.size() == BATCH) {
          sink.accept(batch);
          batch = new ArrayList<>(BATCH);
        }
      }
    }
    if (!batch.isEmpty()) {
      sink.accept(batch);
    }
    return seq;
  }
}
