package dev.modelgate.core;

/** A gate tests drive by hand: closed until a given time, with a number of claims it still grants. */
final class TestGate implements EndpointGate {
  private long closedUntil = Long.MIN_VALUE;
  private boolean closed;
  private int claimsLeft = Integer.MAX_VALUE;
  int acquired;

  /** No traffic before {@code untilNanos}. */
  void closeUntil(long untilNanos) {
    closed = true;
    closedUntil = untilNanos;
  }

  void open() {
    closed = false;
  }

  /** Looks available, but grants only {@code n} more claims (a half-open breaker's probes). */
  void grantOnly(int n) {
    claimsLeft = n;
  }

  @Override
  public boolean admits(long nowNanos) {
    return !closed || nowNanos - closedUntil >= 0;
  }

  @Override
  public boolean tryAcquire() {
    if (claimsLeft == 0) {
      return false;
    }
    claimsLeft--;
    acquired++;
    return true;
  }

  @Override
  public void release() {}

  @Override
  public void succeeded(long durationNanos) {}

  @Override
  public void failed(long durationNanos) {}

  @Override
  public void unreachable() {}
}
