package dev.modelgate.gateway.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;

class FileLedgerContractTest extends LedgerContract {
  @TempDir Path dir;

  @Override
  protected Ledger open() throws IOException {
    return FileLedger.open(dir);
  }

  private static boolean whole(Path snapshot) {
    try {
      byte[] bytes = Files.readAllBytes(snapshot);
      return bytes.length > 0 && bytes[bytes.length - 1] == '}';
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // Cuts the newest intact snapshot file short, as a crash between its write and its rename cannot but a bad disk can.
  @Override
  protected void damageNewestSnapshot() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      Path newest = files.filter(f -> f.getFileName().toString().matches("snapshot-\\d+\\.json"))
          .filter(FileLedgerContractTest::whole)
          .max(Comparator.comparingLong(f -> Long.parseLong(f.getFileName().toString().replaceAll("\\D", ""))))
          .orElseThrow();
      byte[] bytes = Files.readAllBytes(newest);
      Files.write(newest, Arrays.copyOf(bytes, bytes.length / 2));
    }
  }
}
