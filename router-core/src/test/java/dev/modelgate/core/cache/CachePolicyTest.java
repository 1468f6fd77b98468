package dev.modelgate.core.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class CachePolicyTest {
  private static final CachePolicy ALL = new CachePolicy(Duration.ofMinutes(1), EnumSet.allOf(CachePath.class));

  @Test
  void admitsEmbeddingsWhateverTheirSampling() {
    assertThat(ALL.admits(CachePath.EMBEDDINGS, false, false, 1)).isTrue();
    assertThat(ALL.admits(CachePath.EMBEDDINGS, false, false, 3)).isTrue();
  }

  @Test
  void admitsGenerationOnlyAtTemperatureZeroForOneChoiceUnstreamed() {
    for (CachePath path : EnumSet.of(CachePath.CHAT, CachePath.COMPLETIONS, CachePath.RESPONSES)) {
      assertThat(ALL.admits(path, false, true, 1)).as(path + " greedy").isTrue();
      assertThat(ALL.admits(path, false, false, 1)).as(path + " sampled").isFalse();
      assertThat(ALL.admits(path, false, true, 2)).as(path + " n=2").isFalse();
      assertThat(ALL.admits(path, false, true, -1)).as(path + " n unreadable").isFalse();
      assertThat(ALL.admits(path, true, true, 1)).as(path + " streamed").isFalse();
    }
  }

  @Test
  void admitsNothingOnAPathItDoesNotList() {
    CachePolicy embeddingsOnly = new CachePolicy(Duration.ofMinutes(1), EnumSet.of(CachePath.EMBEDDINGS));
    assertThat(embeddingsOnly.admits(CachePath.CHAT, false, true, 1)).isFalse();
    assertThat(embeddingsOnly.admits(null, false, true, 1)).isFalse();
  }

  @Property
  void aStreamIsNeverAdmitted(@ForAll CachePath path, @ForAll boolean temperatureZero, @ForAll long choices) {
    assertThat(ALL.admits(path, true, temperatureZero, choices)).isFalse();
  }

  @Test
  void refusesANonPositiveTtlAndNoPaths() {
    assertThatThrownBy(() -> new CachePolicy(Duration.ZERO, EnumSet.of(CachePath.CHAT))).hasMessage("ttl: PT0S (expected: more than 0)");
    assertThatThrownBy(() -> new CachePolicy(Duration.ofMinutes(1), EnumSet.noneOf(CachePath.class)))
        .hasMessage("paths: [] (expected: at least one of embeddings, chat, completions or responses)");
  }

  @Test
  void mapsConfigNamesAndRequestPaths() {
    for (CachePath path : CachePath.values()) {
      assertThat(CachePath.ofKey(path.key())).isEqualTo(path);
      assertThat(CachePath.ofRequestPath(path.requestPath())).isEqualTo(path);
    }
    assertThat(CachePath.ofRequestPath("/v1/models")).isNull();
    assertThat(CachePath.ofKey("images")).isNull();
  }
}
