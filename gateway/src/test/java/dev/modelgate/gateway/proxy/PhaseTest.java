package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PhaseTest {
  // The table in Phase's class comment, as data.
  private static final Map<Phase, Set<Phase>> DOCUMENTED = Map.of(
      Phase.ARRIVED, EnumSet.of(Phase.BODY, Phase.DONE),
      Phase.BODY, EnumSet.of(Phase.ROUTING, Phase.DONE),
      Phase.ROUTING, EnumSet.of(Phase.CONNECTING, Phase.DONE),
      Phase.CONNECTING, EnumSet.of(Phase.AWAITING_HEAD, Phase.ROUTING, Phase.DONE),
      Phase.AWAITING_HEAD, EnumSet.of(Phase.HEAD_HELD, Phase.DONE),
      Phase.HEAD_HELD, EnumSet.of(Phase.RELAYING, Phase.DONE),
      Phase.RELAYING, EnumSet.of(Phase.PAUSED, Phase.DONE),
      Phase.PAUSED, EnumSet.of(Phase.RELAYING, Phase.DONE),
      Phase.DONE, EnumSet.noneOf(Phase.class));

  private static boolean allowed(Phase from, Phase to) {
    try {
      return from.check(to) == to;
    } catch (IllegalStateException refused) {
      return false;
    }
  }

  @Test
  void allowsExactlyTheDocumentedTransitions() {
    for (Phase from : Phase.values()) {
      for (Phase to : Phase.values()) {
        assertThat(allowed(from, to)).as(from + " -> " + to).isEqualTo(DOCUMENTED.get(from).contains(to));
      }
    }
  }

  @Test
  void letsEveryPhaseButDoneEndAndNothingLeaveDone() {
    for (Phase from : Phase.values()) {
      assertThat(allowed(from, Phase.DONE)).as(from.toString()).isEqualTo(from != Phase.DONE);
    }
    assertThatThrownBy(() -> Phase.DONE.check(Phase.DONE)).isInstanceOf(IllegalStateException.class).hasMessageContaining("DONE to DONE");
  }

  @Test
  void reachesEveryPhaseFromArrivedAndNeverReturnsToIt() {
    Set<Phase> reached = EnumSet.of(Phase.ARRIVED);
    ArrayDeque<Phase> next = new ArrayDeque<>(reached);
    while (!next.isEmpty()) {
      Phase from = next.poll();
      for (Phase to : Phase.values()) {
        if (allowed(from, to) && reached.add(to)) {
          next.add(to);
        }
      }
      assertThat(allowed(from, Phase.ARRIVED)).as(from.toString()).isFalse();
    }
    assertThat(reached).containsExactlyInAnyOrder(Phase.values());
  }

  @Test
  void holdsAnEndpointFromConnectingUntilTheEnd() {
    assertThat(EnumSet.allOf(Phase.class).stream().filter(Phase::holdsEndpoint))
        .containsExactlyInAnyOrder(Phase.CONNECTING, Phase.AWAITING_HEAD, Phase.HEAD_HELD, Phase.RELAYING, Phase.PAUSED);
    assertThat(EnumSet.allOf(Phase.class).stream().filter(Phase::headWritten)).containsExactlyInAnyOrder(Phase.RELAYING, Phase.PAUSED);
  }
}
