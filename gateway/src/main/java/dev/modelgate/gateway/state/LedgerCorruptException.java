package dev.modelgate.gateway.state;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The ledger file is damaged in a way a crash during an append cannot explain (an unreadable line
 * before the last, a gap or repeat in {@code seq}). Start-up stops: replaying around the damage
 * would build a state that was never acknowledged.
 */
public final class LedgerCorruptException extends IOException {
  private static final long serialVersionUID = 1L;
  private final transient Path file;
  private final int line;

  LedgerCorruptException(Path file, int line, String problem) {
    super(file + " line " + line + ": " + problem
        + " — the ledger is damaged before its last line, which a crash cannot cause, so modelgate will not start on it."
        + " Restore the file from a backup, or repair or remove that line by hand if you know what it should be.");
    this.file = file;
    this.line = line;
  }

  public Path file() {
    return file;
  }

  public int line() {
    return line;
  }
}
