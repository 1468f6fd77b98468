package dev.modelgate.gateway.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.gateway.state.LedgerEvents;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventJsonTest {
  private static final String SET_WEIGHTS = "{\"seq\":3,\"time\":\"2026-05-01T12:00:03Z\",\"actor\":\"alice\",\"action\":\"set_weights\","
      + "\"model\":\"support-agent\",\"alias\":\"production\",\"before\":{\"weights\":{\"v7\":90,\"v8\":10},\"stable\":\"v7\",\"revision\":1},"
      + "\"after\":{\"weights\":{\"v7\":80,\"v9\":20},\"stable\":\"v7\",\"revision\":2},\"reason\":\"canary v9\",\"evidence\":{}}";

  @Test
  void writesAnAliasMoveInTheAuditShape() {
    AuditEvent event = LedgerEvents.lifecycle().get(2).withSeq(3);

    assertThat(EventJson.write(event)).isEqualTo(SET_WEIGHTS);
    assertThat(EventJson.read(SET_WEIGHTS)).isEqualTo(event);
  }

  @Test
  void readsBackEveryActionAsWritten() {
    List<AuditEvent> events = java.util.stream.Stream.of(LedgerEvents.lifecycle(), LedgerEvents.rollouts(), LedgerEvents.registrySync())
        .flatMap(List::stream).map(d -> d.withSeq(1)).toList();

    assertThat(events).extracting(AuditEvent::action).contains(Action.values());
    assertThat(events).allSatisfy(e -> assertThat(EventJson.read(EventJson.write(e))).isEqualTo(e));
  }

  @Test
  void namesThePathOfWhatIsWrong() {
    assertThatThrownBy(() -> EventJson.read(SET_WEIGHTS.replace("\"stable\":\"v7\",\"revision\":2", "\"stable\":\"v7\",\"revision\":\"2\"")))
        .hasMessage("after.revision: string \"2\" (expected: an integer from 0 to 9223372036854775807)");
    assertThatThrownBy(() -> EventJson.read(SET_WEIGHTS.replace("\"v9\":20", "\"v9\":120")))
        .hasMessageContaining("after.weights.v9: number 120 (expected: an integer from 0 to 100)");
    assertThatThrownBy(() -> EventJson.read(SET_WEIGHTS.replace("\"evidence\":{}", "\"evidence\":{},\"extra\":1")))
        .hasMessage("extra: unknown key");
    assertThatThrownBy(() -> EventJson.read(SET_WEIGHTS.replace("set_weights", "nudge")))
        .hasMessageContaining("action: 'nudge' is not an action");
    assertThatThrownBy(() -> EventJson.read(SET_WEIGHTS.replace("2026-05-01T12:00:03Z", "yesterday")))
        .hasMessageContaining("time: 'yesterday' (expected: an ISO-8601 UTC time");
    assertThatThrownBy(() -> EventJson.read(SET_WEIGHTS.replace("\"alias\":\"production\"", "\"alias\":null")))
        .hasMessage("inconsistent event: set_weights needs an alias");
    assertThatThrownBy(() -> EventJson.read(SET_WEIGHTS + "x")).hasMessageStartingWith("not valid JSON");
    assertThatThrownBy(() -> EventJson.read("{\"seq\":1,\"seq\":2}")).hasMessage("seq: duplicate key");
    assertThatThrownBy(() -> EventJson.read(SET_WEIGHTS.replace("\"evidence\":{}", "\"evidence\":{\"a\":[{\"b\":1,\"b\":2}]}")))
        .hasMessage("evidence.a[0].b: duplicate key");
  }
}
