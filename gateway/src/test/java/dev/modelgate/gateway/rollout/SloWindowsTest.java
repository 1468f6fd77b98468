package dev.modelgate.gateway.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.PinnedTarget;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.slo.SloPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** SLO windows are built with each routing table and outlive it while their shape holds. */
class SloWindowsTest {
  private static final long MILLI = 1_000_000L;
  private final AtomicLong now = new AtomicLong(1_000 * MILLI);
  private final SloWindows windows = new SloWindows(now::get);

  private static SloPolicy policy(Duration window) {
    return new SloPolicy(window, Duration.ofSeconds(5), 50, 0.05, Duration.ofSeconds(2), null, 2, Duration.ofMinutes(10));
  }

  private static RoutingTable table(RoutingTable previous, int canaryWeight, SloPolicy policy) {
    Map<String, ModelVersion> versions = new LinkedHashMap<>();
    for (String id : List.of("v7", "v8")) {
      versions.put(id, new ModelVersion(id, "s3://m/" + id, "m", List.of("http://127.0.0.1:9"), null, Map.of(), null));
    }
    Map<String, Integer> weights = new LinkedHashMap<>();
    weights.put("v7", 100 - canaryWeight);
    weights.put("v8", canaryWeight);
    Alias production = new Alias("production", weights, "v7", 1, policy, null);
    Model model = new Model("support-agent", "production", null, null, List.of(), versions, Map.of("production", production));
    return RoutingTable.build(new Registry(Map.of("support-agent", model)), previous, name -> null);
  }

  private RoutingTable install(RoutingTable table) {
    windows.routingChanged(table);
    return table;
  }

  private static RouteDecision canary(RoutingTable table) {
    AliasTarget target = (AliasTarget) table.lookup("support-agent");
    for (int i = 0; i < 100; i++) {
      RouteDecision decision = target.pick();
      if (decision.version().id().equals("v8")) {
        return decision;
      }
    }
    throw new AssertionError("no canary decision in 100 picks");
  }

  private long requests(RoutingTable table, String version) {
    Alias alias = table.registry().models().get("support-agent").aliases().get("production");
    return windows.snapshot("support-agent", alias, version).requests();
  }

  @Test
  void keepsWhatAVersionDidWhenItsWeightMoves() {
    RoutingTable first = install(table(RoutingTable.EMPTY, 10, policy(Duration.ofSeconds(60))));
    windows.record(canary(first), 5 * MILLI, true);
    windows.record(canary(first), 5 * MILLI, false);

    RoutingTable wider = install(table(first, 50, policy(Duration.ofSeconds(60))));
    windows.record(canary(wider), 5 * MILLI, false);

    assertThat(requests(wider, "v8")).isEqualTo(3);
    Alias alias = wider.registry().models().get("support-agent").aliases().get("production");
    assertThat(windows.snapshot("support-agent", alias, "v8").failures()).isEqualTo(1);
  }

  @Test
  void countsARequestRoutedOnAReplacedTableInTheCurrentWindowOfItsVersion() {
    RoutingTable first = install(table(RoutingTable.EMPTY, 10, policy(Duration.ofSeconds(60))));
    RouteDecision routedBeforeTheSwap = canary(first);
    RoutingTable next = install(table(first, 20, policy(Duration.ofSeconds(60))));

    windows.record(routedBeforeTheSwap, 5 * MILLI, false);

    assertThat(requests(next, "v8")).isEqualTo(1);
  }

  @Test
  void startsAFreshWindowWhenTheWindowShapeChanges() {
    RoutingTable first = install(table(RoutingTable.EMPTY, 10, policy(Duration.ofSeconds(60))));
    windows.record(canary(first), 5 * MILLI, false);

    RoutingTable reshaped = install(table(first, 10, policy(Duration.ofSeconds(30))));

    assertThat(requests(reshaped, "v8")).isZero();
  }

  @Test
  void recordsNothingForPinnedRoutesOrAliasesWithoutAPolicy() {
    RoutingTable guarded = install(table(RoutingTable.EMPTY, 10, policy(Duration.ofSeconds(60))));
    windows.record(((PinnedTarget) guarded.lookup("support-agent:v8")).decision(), 5 * MILLI, true);
    assertThat(requests(guarded, "v8")).isZero();

    RoutingTable unguarded = install(table(guarded, 10, null));
    windows.record(canary(unguarded), 5 * MILLI, true);
    RoutingTable guardedAgain = install(table(unguarded, 10, policy(Duration.ofSeconds(60))));

    assertThat(requests(guardedAgain, "v8")).isZero();
  }
}
