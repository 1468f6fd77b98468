package dev.modelgate.core.split;

import java.util.List;

/**
 * A weighted choice over 100 buckets. Each choice owns a contiguous run of buckets as long as its
 * weight, in the order given (versions in ascending order), so:
 *
 * <ul>
 *   <li>the share of buckets per choice equals its weight exactly — no sampling noise;
 *   <li>a key hashed to a bucket stays on its choice while weights hold;
 *   <li>moving weight between neighbours (90/10 → 80/20) moves only the buckets at their border —
 *       exactly the share that must move, and never back the other way.
 * </ul>
 *
 * <p>{@link #pick} is a scan of a few ints: no allocation, no locks.
 *
 * @param <T> what is chosen (a route decision)
 */
public final class TrafficSplit<T> {
  public static final int BUCKETS = 100;

  // Golden-ratio stride, coprime with 100: consecutive sequence numbers visit every bucket once per
  // 100 requests while spreading neighbours apart, so small runs already approach the weights.
  private static final int SEQUENCE_STRIDE = 61;

  private final Object[] choices;
  private final int[] upperBounds;

  private TrafficSplit(Object[] choices, int[] upperBounds) {
    this.choices = choices;
    this.upperBounds = upperBounds;
  }

  /**
   * @param choices in bucket order
   * @param weights integers from 0 to 100 summing to 100, one per choice
   */
  public static <T> TrafficSplit<T> of(List<T> choices, int[] weights) {
    if (choices.size() != weights.length || choices.isEmpty()) {
      throw new IllegalArgumentException("one weight per choice, at least one choice");
    }
    int[] bounds = new int[weights.length];
    int sum = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] < 0) {
        throw new IllegalArgumentException("negative weight " + weights[i]);
      }
      sum += weights[i];
      bounds[i] = sum;
    }
    if (sum != BUCKETS) {
      throw new IllegalArgumentException("weights sum to " + sum + ", not " + BUCKETS);
    }
    return new TrafficSplit<>(choices.toArray(), bounds);
  }

  /** The choice owning {@code bucket} (0–99). */
  @SuppressWarnings("unchecked")
  public T pick(int bucket) {
    int[] bounds = upperBounds;
    for (int i = 0; i < bounds.length; i++) {
      if (bucket < bounds[i]) {
        return (T) choices[i];
      }
    }
    throw new IllegalArgumentException("bucket " + bucket + " is outside 0.." + (BUCKETS - 1));
  }

  /** The bucket of the {@code n}-th request of a sequence. */
  public static int bucketOfSequence(long n) {
    return (int) Math.floorMod(n * SEQUENCE_STRIDE, (long) BUCKETS);
  }

  /** The bucket of a sticky key: stable across processes, restarts and replicas. */
  public static int bucketOfKey(CharSequence key) {
    // FNV-1a over UTF-16 units, then a 64-bit finaliser so that short, similar keys spread evenly.
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < key.length(); i++) {
      h ^= key.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, BUCKETS);
  }
}
