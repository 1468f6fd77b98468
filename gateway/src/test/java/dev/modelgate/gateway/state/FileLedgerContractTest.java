package dev.modelgate.gateway.state;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileLedgerContractTest extends LedgerContract {
  @TempDir Path dir;

  @Override
  protected Ledger open() throws IOException {
    return FileLedger.open(dir);
  }
}
