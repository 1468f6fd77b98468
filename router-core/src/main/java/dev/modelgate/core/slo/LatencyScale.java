package dev.modelgate.core.slo;

/**
 * Maps a latency to one of {@link #SIZE} log-linear buckets, the layout HdrHistogram uses, fixed
 * at compile time so that a bucket index is a few shifts and a window slot is one flat array.
 *
 * <p>Latencies are counted in units of 2<sup>16</sup> ns (65.536 µs): below 64 units (4.19 ms) each
 * unit has its own bucket; above, every power of two is split into 32 buckets, so a bucket is at
 * most 1/32 of its lowest value wide. Reporting a bucket's midpoint is therefore within
 * {@link #precisionNanos} of any latency counted in it: 1/64 (1.6 %) of the latency, or 32.8 µs
 * below 2.1 ms. Latencies from 2<sup>40</sup> ns (18.3 min) on fall into the top bucket, far beyond
 * any SLO threshold worth setting.
 */
final class LatencyScale {
  private static final int UNIT_SHIFT = 16;
  private static final int PRECISION_BITS = 6;
  private static final int OCTAVES = 24;
  private static final int HALF = 1 << (PRECISION_BITS - 1);

  static final int SIZE = (OCTAVES - PRECISION_BITS + 2) * HALF;

  private LatencyScale() {}

  static int indexOf(long nanos) {
    long units = Math.max(nanos, 0) >>> UNIT_SHIFT;
    if (units < 1 << PRECISION_BITS) {
      return (int) units;
    }
    if (units >= 1L << OCTAVES) {
      return SIZE - 1;
    }
    int shift = 64 - Long.numberOfLeadingZeros(units) - PRECISION_BITS;
    return (shift << (PRECISION_BITS - 1)) + (int) (units >>> shift);
  }

  static long midpointNanos(int index) {
    if (index < 1 << PRECISION_BITS) {
      return ((long) index << UNIT_SHIFT) + (1L << (UNIT_SHIFT - 1));
    }
    int shift = (index >>> (PRECISION_BITS - 1)) - 1;
    long lowest = (long) (index - (shift << (PRECISION_BITS - 1))) << shift;
    return (lowest << UNIT_SHIFT) + (1L << (shift + UNIT_SHIFT - 1));
  }

  /** How far a reported latency may be from a recorded one below the top bucket. */
  static long precisionNanos(long nanos) {
    return Math.max(nanos >>> PRECISION_BITS, 1L << (UNIT_SHIFT - 1));
  }
}
