package dev.modelgate.core;

/**
 * A source of nanoseconds. router-core never reads the clock itself so that windows, ejection and
 * rollback decisions can be driven exactly by a fake ticker in tests.
 */
@FunctionalInterface
public interface Ticker {
  long nanos();

  static Ticker system() {
    return System::nanoTime;
  }
}
