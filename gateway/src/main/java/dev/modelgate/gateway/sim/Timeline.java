package dev.modelgate.gateway.sim;

/**
 * When each token of one answer is due, in {@link System#nanoTime()} terms. Deadlines are fixed
 * from the request's arrival, not chained from the previous write, so timer lateness never adds up
 * over a long stream.
 */
record Timeline(long startNanos, long ttftNanos, long itlNanos) {

  /**
   * Token {@code index} (0-based) is due after the first-token delay and index inter-token gaps.
   */
  long tokenAt(int index) {
    return startNanos + ttftNanos + index * itlNanos;
  }
}
