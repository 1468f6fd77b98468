package dev.modelgate.core.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class BucketLayoutTest {

  private static Map<String, Integer> weights(Object... versionsAndWeights) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (int i = 0; i < versionsAndWeights.length; i += 2) {
      weights.put((String) versionsAndWeights[i], (Integer) versionsAndWeights[i + 1]);
    }
    return weights;
  }

  private static int moved(BucketLayout from, BucketLayout to) {
    int moved = 0;
    for (int bucket = 0; bucket < TrafficSplit.BUCKETS; bucket++) {
      if (!from.owner(bucket).equals(to.owner(bucket))) {
        moved++;
      }
    }
    return moved;
  }

  /** The fewest buckets any layout change from {@code from} to {@code to} must move. */
  private static int mustMove(Map<String, Integer> from, Map<String, Integer> to) {
    int sum = 0;
    for (Map.Entry<String, Integer> w : from.entrySet()) {
      sum += Math.max(0, w.getValue() - to.getOrDefault(w.getKey(), 0));
    }
    return sum;
  }

  @Test
  void movesOnlyTheTenBucketsANewThirdVersionTakesFromTheStable() {
    BucketLayout canary = BucketLayout.contiguous(weights("v7", 90, "v8", 10));
    BucketLayout third = canary.moveTo(weights("v7", 80, "v8", 10, "v9", 10));

    assertThat(canary).hasToString("v7×90 v8×10");
    assertThat(third).hasToString("v7×80 v9×10 v8×10");
    assertThat(moved(canary, third)).isEqualTo(10);
  }

  @Test
  void laysANewAliasOutInNumericVersionOrder() {
    assertThat(BucketLayout.contiguous(weights("v10", 10, "v9", 20, "v2", 0, "v1", 70))).hasToString("v1×70 v9×20 v10×10");
  }

  @Test
  void keepsTheSameLayoutWhenTheWeightsHold() {
    BucketLayout layout = BucketLayout.contiguous(weights("v7", 90, "v8", 10)).moveTo(weights("v7", 80, "v8", 10, "v9", 10));

    assertThat(layout.moveTo(weights("v9", 10, "v8", 10, "v7", 80))).isSameAs(layout);
  }

  @Test
  void refusesWeightsThatCannotBeLaidOut() {
    assertThat(BucketLayout.fits(weights("v7", 90, "v8", 10))).isTrue();
    assertThat(BucketLayout.fits(weights("v7", 90, "v8", 5))).isFalse();
    assertThat(BucketLayout.fits(weights("v7", 110, "v8", -10))).isFalse();
    assertThat(BucketLayout.fits(weights("v7", 100, "v8", null))).isFalse();
    assertThatThrownBy(() -> BucketLayout.contiguous(weights("v7", 90, "v8", 5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("summing to 100");
  }

  @Provide
  Arbitrary<List<Map<String, Integer>>> histories() {
    // Up to five versions, v1..v5; zero weights and absent versions both occur.
    Arbitrary<Map<String, Integer>> step = TrafficSplitTest.weightsSummingTo100()
        .filter(w -> w.length <= 5)
        .map(w -> {
          Map<String, Integer> weights = new LinkedHashMap<>();
          for (int i = 0; i < w.length; i++) {
            if (w[i] > 0 || i % 2 == 0) {
              weights.put("v" + (i + 1), w[i]);
            }
          }
          return weights;
        });
    return step.list().ofMinSize(1).ofMaxSize(30);
  }

  @Property(tries = 500)
  void movesExactlyTheBucketsThatMustMoveAtEveryStep(@ForAll("histories") List<Map<String, Integer>> history) {
    BucketLayout layout = BucketLayout.contiguous(history.get(0));
    for (int i = 1; i < history.size(); i++) {
      BucketLayout next = layout.moveTo(history.get(i));

      assertThat(moved(layout, next)).as("step %d: %s → %s", i, history.get(i - 1), history.get(i))
          .isEqualTo(mustMove(history.get(i - 1), history.get(i)));
      layout = next;
    }
  }

  @Property(tries = 500)
  void givesEveryVersionExactlyItsWeightAtEveryStep(@ForAll("histories") List<Map<String, Integer>> history) {
    BucketLayout layout = null;
    for (Map<String, Integer> weights : history) {
      layout = layout == null ? BucketLayout.contiguous(weights) : layout.moveTo(weights);
      for (Map.Entry<String, Integer> w : weights.entrySet()) {
        assertThat(layout.share(w.getKey())).isEqualTo(w.getValue());
      }
    }
  }

  @Property(tries = 300)
  void replaysTheSameHistoryToTheSameLayoutWhateverTheWeightsOrder(@ForAll("histories") List<Map<String, Integer>> history) {
    BucketLayout once = replay(history);
    List<Map<String, Integer>> reordered = new ArrayList<>();
    for (Map<String, Integer> weights : history) {
      List<String> versions = new ArrayList<>(weights.keySet());
      Collections.reverse(versions);
      Map<String, Integer> reversed = new LinkedHashMap<>();
      versions.forEach(v -> reversed.put(v, weights.get(v)));
      reordered.add(reversed);
    }

    assertThat(replay(history)).isEqualTo(once);
    assertThat(replay(reordered)).isEqualTo(once);
  }

  private static BucketLayout replay(List<Map<String, Integer>> history) {
    BucketLayout layout = BucketLayout.contiguous(history.get(0));
    for (Map<String, Integer> weights : history.subList(1, history.size())) {
      layout = layout.moveTo(weights);
    }
    return layout;
  }
}
