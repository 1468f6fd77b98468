package dev.modelgate.gateway.sim;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

/**
 * Runs one response's steps at their deadlines on its event loop, one pending timer at a time, and
 * never again once the client has gone: a disconnect cancels the pending timer, so an abandoned
 * stream costs nothing further. Confined to the connection's event loop, hence no locking.
 */
final class Pacer {
  private static final long NANOS_PER_MILLI = 1_000_000;

  private final Vertx vertx;
  private final HttpServerResponse response;
  private long timerId = -1;
  private boolean cancelled;

  Pacer(Vertx vertx, HttpServerResponse response) {
    this.vertx = vertx;
    this.response = response;
    response.closeHandler(closed -> cancel());
  }

  /**
   * Runs {@code step} at {@code deadlineNanos} or just after (timers have millisecond resolution,
   * rounded up so no step is early). A deadline already passed still yields to the event loop
   * first, so consecutive writes leave as separate flushes rather than one batch.
   */
  void at(long deadlineNanos, Runnable step) {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      vertx.runOnContext(now -> run(step));
    } else {
      long millis = (remaining + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI;
      timerId =
          vertx.setTimer(
              millis,
              id -> {
                timerId = -1;
                run(step);
              });
    }
  }

  private void run(Runnable step) {
    if (!cancelled && !response.closed()) {
      step.run();
    }
  }

  private void cancel() {
    cancelled = true;
    if (timerId != -1) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }
}
