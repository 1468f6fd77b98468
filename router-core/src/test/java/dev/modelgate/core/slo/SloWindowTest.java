package dev.modelgate.core.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.assertj.core.data.Offset.offset;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SloWindowTest {
  private static final Duration WINDOW = Duration.ofSeconds(60);
  private static final long SECOND = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  private final AtomicLong now = new AtomicLong();
  private final SloWindow window = new SloWindow(WINDOW, 12, now::get);

  @Test
  void reportsZeroesBeforeAnyRequest() {
    assertThat(window.snapshot()).isEqualTo(WindowSnapshot.EMPTY);
  }

  @Test
  void countsRequestsAndFailures() {
    for (int i = 0; i < 40; i++) {
      window.record(100 * MS, i % 4 == 0);
    }

    WindowSnapshot snapshot = window.snapshot();
    assertThat(snapshot.requests()).isEqualTo(40);
    assertThat(snapshot.failures()).isEqualTo(10);
    assertThat(snapshot.errorRate()).isEqualTo(0.25);
  }

  @Test
  void countsAFailureJustInsideTheWindowButNotOneJustOutside() {
    window.record(MS, true);
    now.set(5 * SECOND);
    window.record(MS, false);

    now.set(60 * SECOND - 1);
    assertThat(window.snapshot()).extracting(WindowSnapshot::requests, WindowSnapshot::failures).containsExactly(2L, 1L);

    now.set(60 * SECOND);
    assertThat(window.snapshot()).extracting(WindowSnapshot::requests, WindowSnapshot::failures).containsExactly(1L, 0L);

    now.set(65 * SECOND);
    assertThat(window.snapshot()).isEqualTo(WindowSnapshot.EMPTY);
  }

  @Test
  void keepsARecordForAtLeastTheWindowLessOneBucket() {
    now.set(5 * SECOND - 1);
    window.record(MS, true);

    now.set(60 * SECOND - 1);
    assertThat(window.snapshot().failures()).isEqualTo(1);
    now.set(60 * SECOND);
    assertThat(window.snapshot().failures()).isZero();
  }

  @Test
  void resetsABucketBeforeReusingIt() {
    window.record(2_000 * MS, true);
    window.record(2_000 * MS, true);

    now.set(60 * SECOND);
    window.record(100 * MS, false);

    WindowSnapshot snapshot = window.snapshot();
    assertThat(snapshot.requests()).isEqualTo(1);
    assertThat(snapshot.failures()).isZero();
    assertThat(snapshot.p99()).isLessThan(Duration.ofMillis(200));
  }

  @Test
  void dropsARecordThatReadTheClockBeforeItsBucketWasReused() {
    now.set(60 * SECOND);
    window.record(MS, false);

    now.set(0);
    window.record(MS, true);

    now.set(60 * SECOND);
    assertThat(window.snapshot()).extracting(WindowSnapshot::requests, WindowSnapshot::failures).containsExactly(1L, 0L);
  }

  @Test
  void ignoresBucketsAheadOfTheSnapshotsReading() {
    now.set(10 * SECOND);
    window.record(MS, false);

    now.set(5 * SECOND);
    assertThat(window.snapshot()).isEqualTo(WindowSnapshot.EMPTY);
  }

  @Test
  void slidesWithATickerThatStartsBelowZero() {
    now.set(-SECOND);
    window.record(MS, true);
    now.set(SECOND);
    window.record(MS, false);

    assertThat(window.snapshot().requests()).isEqualTo(2);
    now.set(59 * SECOND);
    assertThat(window.snapshot()).extracting(WindowSnapshot::requests, WindowSnapshot::failures).containsExactly(1L, 0L);
  }

  @Test
  void reportsThePercentilesOfOneToAThousandMillisecondsWithinPrecision() {
    for (int ms = 1; ms <= 1000; ms++) {
      window.record(ms * MS, false);
    }

    WindowSnapshot snapshot = window.snapshot();
    assertThat(snapshot.p50().toNanos()).isCloseTo(500 * MS, offset(LatencyScale.precisionNanos(500 * MS)));
    assertThat(snapshot.p99().toNanos()).isCloseTo(990 * MS, offset(LatencyScale.precisionNanos(990 * MS)));
  }

  @Property(tries = 200)
  void reportsNearestRankPercentilesWithinPrecision(
      @ForAll @Size(min = 1, max = 300) List<@LongRange(min = 0, max = 600 * SECOND) Long> latencies) {
    AtomicLong time = new AtomicLong();
    SloWindow fresh = new SloWindow(WINDOW, 12, time::get);
    latencies.forEach(latency -> fresh.record(latency, false));

    List<Long> sorted = latencies.stream().sorted().toList();
    long p50 = sorted.get((sorted.size() * 50 + 99) / 100 - 1);
    long p99 = sorted.get((sorted.size() * 99 + 99) / 100 - 1);
    WindowSnapshot snapshot = fresh.snapshot();
    assertThat(Math.abs(snapshot.p50().toNanos() - p50)).isLessThanOrEqualTo(LatencyScale.precisionNanos(p50));
    assertThat(Math.abs(snapshot.p99().toNanos() - p99)).isLessThanOrEqualTo(LatencyScale.precisionNanos(p99));
    assertThat(snapshot.requests()).isEqualTo(latencies.size());
  }

  @Test
  void rejectsAWindowThatCannotBeCutIntoBuckets() {
    assertThatThrownBy(() -> new SloWindow(Duration.ZERO, 12, now::get)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SloWindow(WINDOW, 0, now::get)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SloWindow(Duration.ofNanos(11), 12, now::get))
        .hasMessage("window: PT0.000000011S, buckets: 12 (expected: 1 or more buckets of at least 1ns each)");
  }

  @Test
  void countsEveryRecordOfThreadsRacingWithinOneBucket() throws Exception {
    int threads = 8;
    int perThread = 50_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        await(start);
        for (int i = 0; i < perThread; i++) {
          window.record(i * MS, i % 10 == 0);
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }

    WindowSnapshot snapshot = window.snapshot();
    assertThat(snapshot.requests()).isEqualTo((long) threads * perThread);
    assertThat(snapshot.failures()).isEqualTo((long) threads * perThread / 10);
  }

  @Test
  void neverReportsMoreOrOtherThanWasRecordedWhileBucketsRotate() throws Exception {
    Duration recorded = Duration.ofNanos(LatencyScale.midpointNanos(LatencyScale.indexOf(MS)));
    int threads = 4;
    int perThread = 100_000;
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<AssertionError> broken = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        await(start);
        for (int i = 0; i < perThread; i++) {
          window.record(MS, true);
          if (i % 100 == 0) {
            now.addAndGet(SECOND);
          }
        }
      });
      worker.start();
      workers.add(worker);
    }
    Thread reader = new Thread(() -> {
      await(start);
      for (int i = 0; i < 2_000; i++) {
        WindowSnapshot snapshot = window.snapshot();
        if (snapshot.requests() > (long) threads * perThread
            || snapshot.requests() > 0 && !(snapshot.p50().equals(recorded) && snapshot.p99().equals(recorded))) {
          broken.compareAndSet(null, new AssertionError("garbage snapshot: " + snapshot));
        }
      }
    });
    reader.start();
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    reader.join();

    assertThat(broken.get()).isNull();
    WindowSnapshot last = window.snapshot();
    assertThat(last.requests()).isPositive().isLessThanOrEqualTo((long) threads * perThread);
    assertThat(last.p99()).isEqualTo(recorded);
  }

  @Test
  void recordsWithoutAllocating() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    assumeThat(threads).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) threads;
    assumeThat(bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled()).isTrue();
    long thread = Thread.currentThread().getId();
    recordMany(100_000);

    long before = bean.getThreadAllocatedBytes(thread);
    recordMany(100_000);
    long allocated = bean.getThreadAllocatedBytes(thread) - before;

    assertThat(allocated).isLessThan(1_024);
  }

  private void recordMany(int n) {
    for (int i = 0; i < n; i++) {
      now.addAndGet(SECOND / 1_000);
      window.record(i * 7 * MS, (i & 7) == 0);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
