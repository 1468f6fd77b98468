package dev.modelgate.core.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which version owns each of the {@value TrafficSplit#BUCKETS} buckets of an alias. A sticky key
 * hashes to a bucket, so the layout is what keeps a key on its version.
 *
 * <p>A layout is derived from the alias's history, never stored: a new alias starts
 * {@linkplain #contiguous contiguous} (ascending versions, one run each), and every weight change
 * {@linkplain #moveTo moves} the previous layout. Each version keeps the lowest of its buckets that
 * its new weight allows and releases the rest; versions short of buckets then take the released
 * ones, in ascending version order, lowest bucket first. So a change from weights {@code w} to
 * {@code w'} moves exactly {@code Σ max(0, w_v − w'_v)} buckets — the fewest that can move — between
 * any versions, not only neighbours (90/10 → 80/10/10 moves 10, where re-cutting contiguous runs
 * moves 20). The move depends only on the layout and the new weights, so every process replaying
 * the same ledger holds the same layout.
 */
public final class BucketLayout {
  // The versions owning buckets, in order of their first bucket; the strings are the weights map's keys, shared, not copied.
  private final String[] versions;
  // Each bucket's owner as an index into versions (at most one version per bucket, so a byte holds it):
  // 100 bytes per alias where a reference per bucket took 400, in a registry of tens of thousands of aliases.
  private final byte[] owners;

  private BucketLayout(String[] byBucket) {
    List<String> distinct = new ArrayList<>(4);
    byte[] indexes = new byte[byBucket.length];
    for (int bucket = 0; bucket < byBucket.length; bucket++) {
      int index = distinct.indexOf(byBucket[bucket]);
      if (index < 0) {
        index = distinct.size();
        distinct.add(byBucket[bucket]);
      }
      indexes[bucket] = (byte) index;
    }
    this.versions = distinct.toArray(String[]::new);
    this.owners = indexes;
  }

  /**
   * Whether {@code weights} can be laid out: no null or negative weight, and a sum of exactly
   * {@value TrafficSplit#BUCKETS}. {@code RegistryRules} explains weights that cannot.
   */
  public static boolean fits(Map<String, Integer> weights) {
    long sum = 0;
    for (Integer weight : weights.values()) {
      if (weight == null || weight < 0) {
        return false;
      }
      sum += weight;
    }
    return sum == TrafficSplit.BUCKETS;
  }

  /** Each version with a positive weight owns one run of buckets, in ascending version order. */
  public static BucketLayout contiguous(Map<String, Integer> weights) {
    return place(new String[TrafficSplit.BUCKETS], weights);
  }

  /**
   * This layout changed to {@code weights} moving the fewest buckets (see the class comment);
   * this layout itself when it already gives every version its weight.
   *
   * @throws IllegalArgumentException when the weights do not {@link #fits fit}
   */
  public BucketLayout moveTo(Map<String, Integer> weights) {
    BucketLayout next = place(byBucket(), weights);
    return next.equals(this) ? this : next;
  }

  private static BucketLayout place(String[] owners, Map<String, Integer> weights) {
    if (!fits(weights)) {
      throw new IllegalArgumentException("weights " + weights + " are not integers from 0 summing to " + TrafficSplit.BUCKETS);
    }
    Map<String, Integer> kept = new HashMap<>();
    for (int bucket = 0; bucket < owners.length; bucket++) {
      String owner = owners[bucket];
      if (owner == null) {
        continue;
      }
      int keeps = kept.getOrDefault(owner, 0);
      if (keeps < weights.getOrDefault(owner, 0)) {
        kept.put(owner, keeps + 1);
      } else {
        owners[bucket] = null;
      }
    }
    int free = 0;
    for (String version : ascending(weights)) {
      for (int missing = weights.get(version) - kept.getOrDefault(version, 0); missing > 0; missing--) {
        while (owners[free] != null) {
          free++;
        }
        owners[free] = version;
      }
    }
    return new BucketLayout(owners);
  }

  // Version ids are v<digits> without leading zeros, so by length then text is numeric order; the
  // order is total for any other key too (the rules refuse those), so the layout never depends on
  // the map's iteration order.
  private static List<String> ascending(Map<String, Integer> weights) {
    List<String> versions = new ArrayList<>(weights.keySet());
    versions.sort(Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder()));
    return versions;
  }

  /**
   * The layout a snapshot recorded with {@link #owners()}: a ledger snapshot must give back the
   * layout its history built, which no event carries.
   *
   * @throws IllegalArgumentException unless there is one non-empty owner per bucket
   */
  public static BucketLayout of(List<String> owners) {
    if (owners.size() != TrafficSplit.BUCKETS || owners.stream().anyMatch(o -> o == null || o.isEmpty())) {
      throw new IllegalArgumentException("a layout of " + owners.size() + " owners (expected: " + TrafficSplit.BUCKETS
          + " version ids, one per bucket)");
    }
    return new BucketLayout(owners.toArray(String[]::new));
  }

  /** The owner of every bucket, in bucket order. */
  public List<String> owners() {
    return List.of(byBucket());
  }

  private String[] byBucket() {
    String[] byBucket = new String[owners.length];
    for (int bucket = 0; bucket < owners.length; bucket++) {
      byBucket[bucket] = versions[owners[bucket]];
    }
    return byBucket;
  }

  /** The version owning {@code bucket} (0–99). */
  public String owner(int bucket) {
    return versions[owners[bucket]];
  }

  /** How many buckets {@code version} owns: its weight. */
  public int share(String version) {
    int index = Arrays.asList(versions).indexOf(version);
    int n = 0;
    for (byte owner : owners) {
      if (owner == index) {
        n++;
      }
    }
    return n;
  }

  // Versions are numbered in order of their first bucket, so equal owners per bucket means equal arrays.
  @Override
  public boolean equals(Object o) {
    return o instanceof BucketLayout other && Arrays.equals(owners, other.owners) && Arrays.equals(versions, other.versions);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(versions) + Arrays.hashCode(owners);
  }

  /** Runs of buckets: {@code v7×80 v9×10 v8×10}. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    int start = 0;
    for (int bucket = 1; bucket <= owners.length; bucket++) {
      if (bucket == owners.length || owners[bucket] != owners[start]) {
        text.append(text.isEmpty() ? "" : " ").append(versions[owners[start]]).append('×').append(bucket - start);
        start = bucket;
      }
    }
    return text.toString();
  }
}
