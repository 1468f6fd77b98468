package dev.modelgate.gateway.metrics;

import io.micrometer.core.instrument.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Micrometer's clock for the gateway's registry: the wall time is read by a background thread every
 * {@value #TICK_MILLIS} ms, not on every record. A timer reads it twice per record (its max's window
 * and its histogram's rotation check) and a request records two timers, so that was four clock
 * reads per request for windows that turn every 20 s (the max: a one-minute step over three
 * buffers) or never (Prometheus' cumulative buckets). A tick is not free either (a profile charged
 * ~20 µs of CPU to each wake-up of this thread on a busy core), so it is coarse: ten a second, a
 * window turning up to 0.1 s late. Monotonic time stays exact.
 */
final class CoarseClock implements Clock {
  static final long TICK_MILLIS = 100;
  static final CoarseClock INSTANCE = new CoarseClock();

  private volatile long wallTime = System.currentTimeMillis();

  private CoarseClock() {
    Thread ticker = new Thread(this::tick, "modelgate-metrics-clock");
    ticker.setDaemon(true);
    ticker.start();
  }

  private void tick() {
    long tick = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    while (true) {
      LockSupport.parkNanos(this, tick);
      wallTime = System.currentTimeMillis();
    }
  }

  @Override
  public long wallTime() {
    return wallTime;
  }

  @Override
  public long monotonicTime() {
    return System.nanoTime();
  }
}
