package dev.modelgate.gateway.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.ledger.AliasState;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.ledger.Change;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.HealthCheck;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.gateway.state.LedgerEvents;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The event JSON is the ledger's file format: what was written must read back as the same event
 * and write again as the same bytes, and lines written before the schema moved to databind must
 * still read.
 */
class EventJsonRoundTripTest {

  @Test
  void readsLinesWrittenByTheHandWrittenCodecAndWritesThemBackByteForByte() throws IOException {
    List<String> lines;
    try (InputStream in = getClass().getResourceAsStream("ledger-before-schema.jsonl")) {
      lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
    List<AuditEvent> expected = new ArrayList<>();
    List<dev.modelgate.core.ledger.AuditEventDraft> drafts = LedgerEvents.lifecycle();
    for (int i = 0; i < drafts.size(); i++) {
      expected.add(drafts.get(i).withSeq(i + 1));
    }

    assertThat(lines).hasSize(expected.size());
    for (int i = 0; i < lines.size(); i++) {
      assertThat(EventJson.read(lines.get(i))).isEqualTo(expected.get(i));
      assertThat(EventJson.write(EventJson.read(lines.get(i)))).isEqualTo(lines.get(i));
    }
  }

  @Property(tries = 300)
  void everyEventReadsBackAsWrittenAndWritesTheSameBytesAgain(@ForAll("events") AuditEvent event) {
    String line = EventJson.write(event);
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);

    AuditEvent read = EventJson.read(bytes, 0, bytes.length);

    assertThat(read).isEqualTo(event);
    assertThat(EventJson.write(read)).isEqualTo(line);
    assertThat(line).doesNotContain("\n");
  }

  @Test
  void refusesAVersionIdInsideAModelsVersionsWhereTheKeyIsTheId() {
    String line = EventJson.write(LedgerEvents.config(1, null, LedgerEvents.declared()).withSeq(1))
        .replace("\"v8\":{\"artifact\"", "\"v8\":{\"version\":\"v8\",\"artifact\"");

    assertThatThrownBy(() -> EventJson.read(line)).isInstanceOf(SchemaException.class)
        .hasMessageStartingWith("after.versions.v8.version: unknown key");
  }

  @Test
  void namesAMissingKeyInsideAnEventAndAWrongTypeInsideAList() {
    String line = EventJson.write(LedgerEvents.register(2, LedgerEvents.v9()).withSeq(2));

    assertThatThrownBy(() -> EventJson.read(line.replace("\"artifact\":\"s3://models/support-agent/v9\",", "")))
        .hasMessage("after.artifact: missing (expected: a string)");
    assertThatThrownBy(() -> EventJson.read(line.replace("[\"http://127.0.0.1:9003\"]", "[\"http://127.0.0.1:9003\",7]")))
        .hasMessage("after.endpoints[1]: number 7 (expected: a string)");
    assertThatThrownBy(() -> EventJson.read(line.replace("\"before\":null", "\"before\":{}")))
        .hasMessage("before: object {} (expected: null: a version replaces nothing)");
    assertThatThrownBy(() -> EventJson.read("")).hasMessage("is empty (expected: one JSON object)");
  }

  @Provide
  Arbitrary<AuditEvent> events() {
    Arbitrary<Long> seq = Arbitraries.longs().between(1, Long.MAX_VALUE);
    Arbitrary<Instant> time = Arbitraries.longs().between(0, 4_102_444_800L)
        .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n)));
    Arbitrary<String> actor = Arbitraries.of("token:ops", "slo-guard", "config", "admin");
    Arbitrary<String> reason = Arbitraries.strings().ofMaxLength(40).injectNull(0.3);
    return Combinators.combine(seq, time, actor, Arbitraries.of(Action.values()), reason, changes(), evidence())
        .as((s, t, who, action, why, change, evidence) -> event(s, t, who, action, why, change, evidence));
  }

  private static AuditEvent event(long seq, Instant time, String actor, Action action, String reason, Map<Action, Change> changes,
      Map<String, Object> evidence) {
    return new AuditEvent(seq, time, actor, action, "support-agent", action.changesAlias() ? "production" : null, changes.get(action), reason,
        action == Action.AUTO_ROLLBACK ? evidence : Map.of());
  }

  /** One change of each kind; the event takes the one its action carries. */
  private static Arbitrary<Map<Action, Change>> changes() {
    return Combinators.combine(versions(), states().injectNull(0.3), states(), models().injectNull(0.3), models())
        .as((version, before, after, declaredBefore, declaredAfter) -> {
          Map<Action, Change> byAction = new LinkedHashMap<>();
          for (Action action : Action.values()) {
            byAction.put(action, switch (action) {
              case REGISTER_VERSION -> new Change.VersionRegistered(version);
              case CONFIG -> new Change.ModelDeclared(declaredBefore, declaredAfter);
              default -> new Change.AliasChanged(before, after);
            });
          }
          return byAction;
        });
  }

  private static Arbitrary<String> names() {
    return Arbitraries.strings().withCharRange('a', 'z').withChars('-', '_', '/', 'é', '"', '\\').ofMinLength(1).ofMaxLength(12);
  }

  private static Arbitrary<Map<String, Integer>> weights() {
    return Arbitraries.maps(Arbitraries.integers().between(1, 12).map(n -> "v" + n), Arbitraries.integers().between(0, 100))
        .ofMinSize(1).ofMaxSize(4);
  }

  private static Arbitrary<AliasState> states() {
    return Combinators.combine(weights(), Arbitraries.longs().between(0, Long.MAX_VALUE))
        .as((w, revision) -> new AliasState(w, w.keySet().iterator().next(), revision));
  }

  private static Arbitrary<Duration> durations() {
    return Arbitraries.oneOf(Arbitraries.longs().between(0, 86_400_000L).map(Duration::ofMillis),
        Arbitraries.longs().between(0, Long.MAX_VALUE).map(Duration::ofNanos));
  }

  private static Arbitrary<ModelVersion> versions() {
    Arbitrary<HealthCheck> health = Combinators.combine(Arbitraries.of("/health", "/v1/models"), durations(), durations())
        .as(HealthCheck::new).injectNull(0.5);
    Arbitrary<List<String>> endpoints = Arbitraries.of("http://127.0.0.1:9001", "https://gpu-2.internal/v1", "http://[::1]:8000")
        .list().ofMinSize(1).ofMaxSize(3);
    return Combinators.combine(Arbitraries.integers().between(1, 99), names(), names(), endpoints, Arbitraries.of("KEY", "OTHER_KEY").injectNull(0.5),
        plainObjects(2), health)
        .as((n, artifact, served, urls, keyEnv, lineage, check) -> new ModelVersion("v" + n, artifact, served, urls, keyEnv, lineage, check));
  }

  private static Arbitrary<SloPolicy> policies() {
    return Combinators.combine(durations(), durations(), Arbitraries.integers(), Arbitraries.doubles(), durations(),
        Arbitraries.doubles().injectNull(0.5), Arbitraries.integers(), durations()).as(SloPolicy::new);
  }

  private static Arbitrary<Model> models() {
    Arbitrary<Alias> alias = Combinators.combine(Arbitraries.of("production", "staging", "candidate"), states(),
        policies().injectNull(0.5), Arbitraries.of("header:x-session-id", "body:user").map(StickyKey::parse).injectNull(0.5))
        .as((name, state, slo, sticky) -> new Alias(name, state.weights(), state.stable(), state.revision(), slo, sticky));
    return Combinators.combine(Arbitraries.of("production", "live"), names().injectNull(0.5), names().injectNull(0.5),
        names().list().ofMaxSize(3), versions().list().ofMaxSize(3), alias.list().ofMaxSize(3))
        .as((defaultAlias, description, owner, tags, versions, aliases) -> {
          Map<String, ModelVersion> byId = new LinkedHashMap<>();
          versions.forEach(v -> byId.put(v.id(), v));
          Map<String, Alias> byName = new LinkedHashMap<>();
          aliases.forEach(a -> byName.put(a.name(), a));
          return new Model("support-agent", defaultAlias, description, owner, tags, byId, byName);
        });
  }

  private static Arbitrary<Map<String, Object>> evidence() {
    return plainObjects(3);
  }

  /** Plain values as a ledger keeps them: a whole number reads back as the smallest of Integer and Long that holds it. */
  private static Arbitrary<Map<String, Object>> plainObjects(int depth) {
    Arbitrary<Object> scalar = Arbitraries.oneOf(names().map(Object.class::cast), Arbitraries.integers().map(Object.class::cast),
        Arbitraries.longs().greaterOrEqual(1L + Integer.MAX_VALUE).map(Object.class::cast),
        Arbitraries.doubles().map(Object.class::cast), Arbitraries.of(true, false).map(Object.class::cast));
    Arbitrary<Object> value = depth == 0 ? scalar.injectNull(0.05) : Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, scalar.injectNull(0.05)),
        net.jqwik.api.Tuple.of(1, plainObjects(depth - 1).map(Object.class::cast)),
        net.jqwik.api.Tuple.of(1, scalar.list().ofMaxSize(3).map(Object.class::cast)));
    return Arbitraries.maps(names(), value).ofMaxSize(4).map(LinkedHashMap::new);
  }
}
