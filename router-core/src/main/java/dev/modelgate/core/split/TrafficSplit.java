package dev.modelgate.core.split;

import java.util.Map;

/**
 * A weighted choice over 100 buckets, laid out by a {@link BucketLayout}, so:
 *
 * <ul>
 *   <li>the share of buckets per choice equals its weight exactly — no sampling noise;
 *   <li>a key hashed to a bucket stays on its choice while the layout holds;
 *   <li>a weight change moves only the buckets that must move (see {@link BucketLayout}).
 * </ul>
 *
 * <p>{@link #pick} is one array read: no allocation, no locks.
 *
 * @param <T> what is chosen (a route decision)
 */
public final class TrafficSplit<T> {
  public static final int BUCKETS = 100;

  // Golden-ratio stride, coprime with 100: consecutive sequence numbers visit every bucket once per
  // 100 requests while spreading neighbours apart, so small runs already approach the weights.
  private static final int SEQUENCE_STRIDE = 61;

  private final Object[] byBucket;

  private TrafficSplit(Object[] byBucket) {
    this.byBucket = byBucket;
  }

  /**
   * @param choices the choice of each version the layout names
   * @throws IllegalArgumentException when {@code choices} has no choice for a version of the layout
   */
  public static <T> TrafficSplit<T> of(BucketLayout layout, Map<String, T> choices) {
    Object[] byBucket = new Object[BUCKETS];
    for (int bucket = 0; bucket < BUCKETS; bucket++) {
      String version = layout.owner(bucket);
      byBucket[bucket] = choices.get(version);
      if (byBucket[bucket] == null) {
        throw new IllegalArgumentException("no choice for version " + version + " of bucket " + bucket);
      }
    }
    return new TrafficSplit<>(byBucket);
  }

  /** The choice owning {@code bucket} (0–99). */
  @SuppressWarnings("unchecked")
  public T pick(int bucket) {
    if (bucket < 0 || bucket >= BUCKETS) {
      throw new IllegalArgumentException("bucket " + bucket + " is outside 0.." + (BUCKETS - 1));
    }
    return (T) byBucket[bucket];
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
