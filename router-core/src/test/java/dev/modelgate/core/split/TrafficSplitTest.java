package dev.modelgate.core.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrafficSplitTest {

  private static List<String> names(int n) {
    return IntStream.range(0, n).mapToObj(i -> "v" + (i + 1)).toList();
  }

  /** Weights v1, v2, … in the order given. */
  static Map<String, Integer> weights(int... weights) {
    Map<String, Integer> byVersion = new LinkedHashMap<>();
    for (int i = 0; i < weights.length; i++) {
      byVersion.put("v" + (i + 1), weights[i]);
    }
    return byVersion;
  }

  /** A split choosing the version ids themselves, laid out contiguously. */
  private static TrafficSplit<String> split(int... weights) {
    return over(BucketLayout.contiguous(weights(weights)), weights.length);
  }

  private static TrafficSplit<String> over(BucketLayout layout, int versions) {
    Map<String, String> choices = new HashMap<>();
    names(versions).forEach(v -> choices.put(v, v));
    return TrafficSplit.of(layout, choices);
  }

  /** How many of the 100 buckets each choice owns. */
  private static int[] bucketCounts(TrafficSplit<String> split, List<String> choices) {
    int[] counts = new int[choices.size()];
    for (int bucket = 0; bucket < TrafficSplit.BUCKETS; bucket++) {
      counts[choices.indexOf(split.pick(bucket))]++;
    }
    return counts;
  }

  static Stream<Arguments> weightVectors() {
    return Stream.of(
        arguments((Object) new int[] {100}),
        arguments((Object) new int[] {90, 10}),
        arguments((Object) new int[] {1, 99}),
        arguments((Object) new int[] {33, 33, 34}),
        arguments((Object) new int[] {0, 50, 0, 50}),
        arguments((Object) new int[] {25, 25, 25, 25}));
  }

  @ParameterizedTest
  @MethodSource("weightVectors")
  void givesEachChoiceExactlyItsWeightInBuckets(int[] weights) {
    List<String> choices = names(weights.length);

    assertThat(bucketCounts(split(weights), choices)).containsExactly(weights);
  }

  @Provide
  static Arbitrary<int[]> weightsSummingTo100() {
    // Cut 0..100 at n-1 random points; the gaps are weights (zeros included) that sum to 100.
    return Arbitraries.integers().between(0, 100).list().ofMinSize(0).ofMaxSize(6).map(TrafficSplitTest::gaps);
  }

  static int[] gaps(List<Integer> cuts) {
    List<Integer> points = new ArrayList<>(cuts);
    points.add(0);
    points.add(100);
    points.sort(null);
    int[] w = new int[points.size() - 1];
    for (int i = 0; i < w.length; i++) {
      w[i] = points.get(i + 1) - points.get(i);
    }
    return w;
  }

  @Property
  void givesEachChoiceExactlyItsWeightForAnyWeights(@ForAll("weightsSummingTo100") int[] weights) {
    List<String> choices = names(weights.length);

    assertThat(bucketCounts(split(weights), choices)).containsExactly(weights);
  }

  @Property
  void givesEachChoiceOfANewLayoutOneRunInAscendingVersionOrder(@ForAll("weightsSummingTo100") int[] weights) {
    List<String> choices = names(weights.length);
    TrafficSplit<String> split = split(weights);

    int previous = 0;
    for (int bucket = 0; bucket < TrafficSplit.BUCKETS; bucket++) {
      int index = choices.indexOf(split.pick(bucket));
      assertThat(index).isGreaterThanOrEqualTo(previous);
      previous = index;
    }
  }

  @Property
  void sendsEveryHundredConsecutiveRequestsByTheWeightsWhateverTheLayoutsHistory(
      @ForAll("weightsSummingTo100") int[] first, @ForAll("weightsSummingTo100") int[] then,
      @ForAll @LongRange(min = 0, max = 1L << 50) long start) {
    int versions = Math.max(first.length, then.length);
    BucketLayout moved = BucketLayout.contiguous(weights(first)).moveTo(weights(then));
    TrafficSplit<String> split = over(moved, versions);

    Map<String, Integer> picks = new HashMap<>();
    for (long n = start; n < start + 100; n++) {
      picks.merge(split.pick(TrafficSplit.bucketOfSequence(n)), 1, Integer::sum);
    }
    Map<String, Integer> positive = new HashMap<>(weights(then));
    positive.values().removeIf(w -> w == 0);
    assertThat(picks).isEqualTo(positive);
  }

  @Test
  void visitsEveryBucketOnceInAHundredConsecutiveSequenceNumbers() {
    Set<Integer> buckets = new HashSet<>();
    for (long n = 0; n < 100; n++) {
      buckets.add(TrafficSplit.bucketOfSequence(n));
    }
    assertThat(buckets).hasSize(100).allMatch(b -> b >= 0 && b < 100);
  }

  @Property
  void visitsEveryBucketOnceInAnyHundredConsecutiveSequenceNumbers(@ForAll @LongRange(min = 0, max = 1L << 50) long start) {
    int[] hits = new int[TrafficSplit.BUCKETS];
    for (long n = start; n < start + 100; n++) {
      hits[TrafficSplit.bucketOfSequence(n)]++;
    }
    assertThat(hits).containsOnly(1);
  }

  @Property
  void keepsEverySequenceNumberInRange(@ForAll long n) {
    assertThat(TrafficSplit.bucketOfSequence(n)).isBetween(0, 99);
  }

  @Property
  void hashesAnyKeyIntoRangeTheSameWayEveryTime(@ForAll String key) {
    int bucket = TrafficSplit.bucketOfKey(key);

    assertThat(bucket).isBetween(0, 99);
    assertThat(TrafficSplit.bucketOfKey(new StringBuilder(key))).isEqualTo(bucket);
  }

  @Test
  void hashesKeysToTheSameBucketsInEveryProcessAndRelease() {
    // Pinned values: changing the hash would move every sticky session during a rolling upgrade.
    assertThat(TrafficSplit.bucketOfKey("")).isEqualTo(42);
    assertThat(TrafficSplit.bucketOfKey("user-42")).isEqualTo(53);
    assertThat(TrafficSplit.bucketOfKey("session-1")).isEqualTo(11);
    assertThat(TrafficSplit.bucketOfKey("alice")).isEqualTo(36);
    assertThat(TrafficSplit.bucketOfKey("x-session-ä")).isEqualTo(51);
  }

  @Test
  void spreadsSimilarKeysEvenlyOverTheBuckets() {
    int[] hits = new int[TrafficSplit.BUCKETS];
    for (int i = 0; i < 100_000; i++) {
      hits[TrafficSplit.bucketOfKey("session-" + i)]++;
    }
    // 1,000 expected per bucket; the standard deviation is about 31, so ±200 is over six of them.
    assertThat(IntStream.of(hits).boxed()).allSatisfy(count -> assertThat(count).isBetween(800, 1200));
  }

  @Test
  void spreadsShortNumericKeysEvenlyOverTheBuckets() {
    int[] hits = new int[TrafficSplit.BUCKETS];
    for (int i = 0; i < 100_000; i++) {
      hits[TrafficSplit.bucketOfKey(Integer.toString(i))]++;
    }
    assertThat(IntStream.of(hits).boxed()).allSatisfy(count -> assertThat(count).isBetween(800, 1200));
  }

  @Test
  void refusesALayoutWithAVersionItHasNoChoiceFor() {
    BucketLayout layout = BucketLayout.contiguous(Map.of("v7", 90, "v8", 10));

    assertThatThrownBy(() -> TrafficSplit.of(layout, Map.of("v7", "stable")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no choice for version v8 of bucket 90");
  }

  @Test
  void refusesABucketPastTheLast() {
    TrafficSplit<String> split = split(100);

    assertThatThrownBy(() -> split.pick(100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bucket 100 is outside 0..99");
    assertThatThrownBy(() -> split.pick(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
