package dev.modelgate.gateway.cli;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JVM shutdown hook of a command that serves until it is stopped (SIGTERM, Ctrl-C). It is
 * registered before the command starts, because its ports open (and a supervisor may signal it)
 * before the start returns: a signal in that window waits, at most {@code startTimeout}, for the
 * start to finish and then runs the command's stop, so what it serves is drained rather than cut.
 */
final class StopHook {
  private final CompletableFuture<Runnable> onStop = new CompletableFuture<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Duration startTimeout;
  private final Thread hook = new Thread(this::stop, "modelgate-shutdown");

  private StopHook(Duration startTimeout) {
    this.startTimeout = startTimeout;
  }

  static StopHook register(Duration startTimeout) {
    StopHook stopHook = new StopHook(startTimeout);
    Runtime.getRuntime().addShutdownHook(stopHook.hook);
    return stopHook;
  }

  /** Started: a stop now runs {@code stop}; blocks until it has run. */
  void untilStopped(Runnable stop) throws InterruptedException {
    onStop.complete(stop);
    stopped.await();
  }

  /** Ends without serving (a failed start, a run of fixed length): a signal finds nothing to stop. */
  void cancel() {
    onStop.complete(null);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs already, or soon, and finds nothing to stop.
    }
  }

  private void stop() {
    try {
      Runnable stop = onStop.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (stop != null) {
        stop.run();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The start never finished: there is nothing started to drain.
    } finally {
      stopped.countDown();
    }
  }
}
