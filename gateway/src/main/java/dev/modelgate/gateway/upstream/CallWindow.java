package dev.modelgate.gateway.upstream;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The recent calls of one endpoint, counted without locks and without allocating per call: the last
 * N calls ({@link Counted}) or the calls of the last N seconds ({@link Timed}).
 *
 * <p>The counts live in one {@code long}, a <em>tally</em> of three 21-bit fields (calls, failed,
 * slow), so a reader sees all three from one moment. Every change to a slot is paired with the same
 * change to the tally, so they never drift apart; between the two a racing recorder may see a tally
 * that is off by its neighbour's call (a field can even be briefly negative). {@link #settled} tells
 * such a tally apart, and the recorder whose change lands last judges the settled counts.
 */
abstract sealed class CallWindow {
  /** Outcome bits: a call (0 is an empty slot), a failed one, a slow one. */
  static final int CALL = 1;
  static final int FAILED = 2;
  static final int SLOW = 4;
  private static final int FIELD_BITS = 21;
  private static final long FIELD_MASK = (1L << FIELD_BITS) - 1;

  /** Records {@code outcome} (bits of {@link #CALL}, {@link #FAILED}, {@link #SLOW}) at {@code nowNanos}; the tally after it. */
  abstract long record(long nowNanos, int outcome);

  /** The tally of one outcome: what recording it adds. */
  static long tallyOf(int outcome) {
    return (outcome & CALL) + ((long) ((outcome & FAILED) >>> 1) << FIELD_BITS) + ((long) ((outcome & SLOW) >>> 2) << (2 * FIELD_BITS));
  }

  static int calls(long tally) {
    return field(tally, 0);
  }

  static int failed(long tally) {
    return field(tally, 1);
  }

  static int slow(long tally) {
    return field(tally, 2);
  }

  /** Whether no recorder is midway: every field at least 0 and the failed and slow ones at most the calls. */
  static boolean settled(long tally) {
    int calls = calls(tally);
    int failed = failed(tally);
    int slow = slow(tally);
    return calls >= 0 && failed >= 0 && slow >= 0 && failed <= calls && slow <= calls;
  }

  // Fields are signed while a change is midway; peel them off from the lowest, each sign-extended.
  private static int field(long tally, int index) {
    long rest = tally;
    for (int i = 0; ; i++) {
      long low = (rest << (64 - FIELD_BITS)) >> (64 - FIELD_BITS);
      if (i == index) {
        return (int) low;
      }
      rest = (rest - low) >> FIELD_BITS;
    }
  }

  /** The last {@code size} calls: a ring of outcome bytes, written round by a shared cursor. */
  static final class Counted extends CallWindow {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(byte[].class);
    private final byte[] slots;
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicLong tally = new AtomicLong();

    Counted(int size) {
      slots = new byte[size];
    }

    @Override
    long record(long nowNanos, int outcome) {
      int slot = (int) (cursor.getAndIncrement() % slots.length);
      byte replaced = (byte) SLOTS.getAndSet(slots, slot, (byte) outcome);
      return tally.addAndGet(tallyOf(outcome) - tallyOf(replaced));
    }
  }

  /**
   * The calls of the current second and the {@code seconds - 1} before it: a ring of per-second
   * tallies. Whoever moves the newest second forward empties the buckets of the seconds it skips.
   * A call recorded in the instant its bucket is emptied may be lost; the counts never drift.
   */
  static final class Timed extends CallWindow {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private final int seconds;
    private final AtomicLongArray buckets;
    private final AtomicLong newest = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong tally = new AtomicLong();

    Timed(int seconds) {
      this.seconds = seconds;
      this.buckets = new AtomicLongArray(seconds);
    }

    @Override
    long record(long nowNanos, int outcome) {
      long second = Math.floorDiv(nowNanos, NANOS_PER_SECOND);
      long newestSecond = advanceTo(second);
      if (second <= newestSecond - seconds) {
        // Read on a clock before another loop moved the window past it: already out of the window.
        return tally.get();
      }
      long added = tallyOf(outcome);
      buckets.getAndAdd((int) Math.floorMod(second, (long) seconds), added);
      return tally.addAndGet(added);
    }

    private long advanceTo(long second) {
      long before = newest.get();
      while (second > before) {
        if (newest.compareAndSet(before, second)) {
          for (long t = Math.max(before + 1, second - seconds + 1); t <= second; t++) {
            tally.addAndGet(-buckets.getAndSet((int) Math.floorMod(t, (long) seconds), 0));
          }
          return second;
        }
        before = newest.get();
      }
      return before;
    }
  }
}
