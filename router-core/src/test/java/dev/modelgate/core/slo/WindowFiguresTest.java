package dev.modelgate.core.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class WindowFiguresTest {
  private static final Duration WINDOW = Duration.ofSeconds(60);
  private static final long MS = 1_000_000L;

  private final AtomicLong now = new AtomicLong();

  private SloWindow window() {
    return new SloWindow(WINDOW, 12, now::get);
  }

  @Test
  void summedFiguresShowWhatOneWindowCountingEveryRequestShows() {
    SloWindow a = window();
    SloWindow b = window();
    SloWindow both = window();
    for (int i = 0; i < 98; i++) {
      a.record(10 * MS, false);
      both.record(10 * MS, false);
    }
    // The slow tail is on one replica only: its p99 is the fleet's p99, the others' are not.
    for (int i = 0; i < 2; i++) {
      b.record(3_000 * MS, true);
      both.record(3_000 * MS, true);
    }

    WindowFigures sum = a.figures().plus(b.figures());

    assertThat(sum).isEqualTo(both.figures());
    assertThat(sum.snapshot()).isEqualTo(both.snapshot());
    assertThat(sum.snapshot().requests()).isEqualTo(100);
    assertThat(sum.snapshot().failures()).isEqualTo(2);
    assertThat(sum.snapshot().p99()).isEqualTo(b.snapshot().p99()).isNotEqualTo(a.snapshot().p99());
    assertThat(sum.snapshot().p50()).isEqualTo(a.snapshot().p50());
  }

  @Property(tries = 200)
  void addingWindowsFiguresEqualsCountingTheirRequestsInOne(
      @ForAll @Size(max = 60) List<@LongRange(min = 0, max = 600_000) Long> latencyMillis) {
    SloWindow[] replicas = {window(), window(), window()};
    SloWindow fleet = window();
    for (int i = 0; i < latencyMillis.size(); i++) {
      boolean failed = latencyMillis.get(i) % 3 == 0;
      replicas[i % 3].record(latencyMillis.get(i) * MS, failed);
      fleet.record(latencyMillis.get(i) * MS, failed);
    }

    WindowFigures sum = WindowFigures.EMPTY;
    for (SloWindow replica : replicas) {
      sum = sum.plus(replica.figures());
    }

    assertThat(sum.snapshot()).isEqualTo(fleet.snapshot());
    assertThat(replicas[2].figures().plus(replicas[0].figures()).plus(replicas[1].figures())).isEqualTo(sum);
  }

  @Test
  void publishedFormReadsBackAsTheSameFigures() {
    SloWindow w = window();
    w.record(5 * MS, false);
    w.record(5 * MS, true);
    w.record(900 * MS, false);
    WindowFigures figures = w.figures();

    assertThat(figures.latencyCounts()).hasSize(2).containsValues(2L, 1L);
    assertThat(WindowFigures.of(figures.latencyCounts(), figures.failures())).isEqualTo(figures);
    assertThat(WindowFigures.of(Map.of(), 0).snapshot()).isEqualTo(WindowSnapshot.EMPTY);
  }

  @Test
  void emptyFiguresAddNothing() {
    SloWindow w = window();
    w.record(40 * MS, true);

    assertThat(WindowFigures.EMPTY.plus(w.figures())).isEqualTo(w.figures());
    assertThat(WindowFigures.EMPTY.snapshot()).isEqualTo(WindowSnapshot.EMPTY);
  }

  @Test
  void refusesABucketOutsideTheScale() {
    assertThatThrownBy(() -> WindowFigures.of(Map.of(LatencyScale.SIZE, 1L), 0))
        .hasMessage("latency bucket 640 (expected: 0 to 639)");
    assertThatThrownBy(() -> WindowFigures.of(Map.of(-1, 1L), 0))
        .hasMessage("latency bucket -1 (expected: 0 to 639)");
  }

  @Test
  void refusesNegativeCountsAndMoreFailuresThanRequests() {
    assertThatThrownBy(() -> WindowFigures.of(Map.of(3, -2L), 0))
        .hasMessage("latency bucket 3: -2 (expected: 0 or more requests)");
    assertThatThrownBy(() -> WindowFigures.of(Map.of(3, 2L), 3))
        .hasMessage("failures: 3 of 2 requests (expected: 0 <= failures <= requests)");
  }
}
