package dev.modelgate.gateway.metrics;

import dev.modelgate.core.Endpoint;
import dev.modelgate.core.PinnedTarget;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.RolloutStatus;
import dev.modelgate.gateway.upstream.EndpointGuard;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The series that describe the registry rather than traffic — each alias's weights and revision,
 * its rollbacks (zero from the start), its latest rollout's percent and state, each endpoint's
 * breaker and health — read from the current
 * routing table when Prometheus scrapes, not registered as meters. A table swap then costs one
 * volatile write however many models there are, and a registry of 10,000 models holds no meter
 * per alias and version: those series cost memory only while a scrape writes them.
 */
final class RegistrySeries implements MultiCollector {
  private static final String[] ALIAS_VERSION = {"model", "alias", "version"};
  private static final String[] ALIAS = {"model", "alias"};
  private static final String[] ROLLBACK = {"model", "alias", "trigger"};
  private static final String[] ENDPOINT = {"model", "version", "endpoint"};
  private static final String[] ROLLOUT_STATE = {"model", "alias", "state"};
  private static final List<String> TRIGGERS = List.of("auto", "manual");

  private volatile RoutingTable table = RoutingTable.EMPTY;
  // Rollbacks counted since start, kept for aliases since removed too, as a registered counter would be.
  private final Map<RollbackKey, AtomicLong> rollbacks = new ConcurrentHashMap<>();

  private record RollbackKey(String model, String alias, String trigger) {}

  void routingChanged(RoutingTable next) {
    table = next;
  }

  void rollback(String model, String alias, String trigger) {
    rollbacks.computeIfAbsent(new RollbackKey(model, alias, trigger), k -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public MetricSnapshots collect() {
    RoutingTable current = table;
    GaugeSnapshot.Builder weights = GaugeSnapshot.builder().name("modelgate_alias_weight").help("Weight of each version in each alias, 0-100");
    GaugeSnapshot.Builder revisions = GaugeSnapshot.builder().name("modelgate_alias_revision").help("Revision of each alias");
    CounterSnapshot.Builder rolledBack = CounterSnapshot.builder().name("modelgate_rollbacks").help("Rollbacks of an alias to its stable version");
    GaugeSnapshot.Builder breakers = GaugeSnapshot.builder().name("modelgate_endpoint_breaker_state")
        .help("Circuit breaker of each endpoint: 0 closed, 1 half-open (probing), 2 open (no traffic)");
    GaugeSnapshot.Builder health = GaugeSnapshot.builder().name("modelgate_endpoint_healthy")
        .help("1 unless an active health check of the endpoint is failing (then it gets no traffic)");
    GaugeSnapshot.Builder rolloutPercent = GaugeSnapshot.builder().name("modelgate_rollout_percent")
        .help("The rolling-out candidate's percent of its alias's traffic, for aliases that have had a rollout");
    GaugeSnapshot.Builder rolloutState = GaugeSnapshot.builder().name("modelgate_rollout_state")
        .help("1 for the state the alias's latest rollout is in, 0 for the others");
    Map<RollbackKey, AtomicLong> counted = Map.copyOf(rollbacks);
    for (Model model : current.registry().models().values()) {
      for (Alias alias : model.aliases().values()) {
        revisions.dataPoint(gauge(Labels.of(ALIAS, new String[] {model.name(), alias.name()}), alias.revision()));
        Rollout rollout = alias.rollout();
        if (rollout != null) {
          rolloutPercent.dataPoint(gauge(Labels.of(ALIAS, new String[] {model.name(), alias.name()}), rollout.percent()));
          for (RolloutStatus status : RolloutStatus.values()) {
            rolloutState.dataPoint(gauge(Labels.of(ROLLOUT_STATE, new String[] {model.name(), alias.name(), status.wireName()}),
                status == rollout.status() ? 1 : 0));
          }
        }
        for (String version : model.versions().keySet()) {
          weights.dataPoint(gauge(Labels.of(ALIAS_VERSION, new String[] {model.name(), alias.name(), version}),
              alias.weights().getOrDefault(version, 0)));
        }
        for (String trigger : TRIGGERS) {
          AtomicLong count = counted.get(new RollbackKey(model.name(), alias.name(), trigger));
          rolledBack.dataPoint(counter(model.name(), alias.name(), trigger, count == null ? 0 : count.get()));
        }
      }
      for (String version : model.versions().keySet()) {
        if (current.lookup(model.name() + ":" + version) instanceof PinnedTarget pinned) {
          for (Endpoint endpoint : pinned.decision().version().endpoints()) {
            if (endpoint.gate() instanceof EndpointGuard guard) {
              Labels labels = Labels.of(ENDPOINT, new String[] {model.name(), version, endpoint.url()});
              breakers.dataPoint(gauge(labels, guard.breakerState()));
              health.dataPoint(gauge(labels, guard.healthy() ? 1 : 0));
            }
          }
        }
      }
    }
    for (Map.Entry<RollbackKey, AtomicLong> e : counted.entrySet()) {
      RollbackKey key = e.getKey();
      Model model = current.registry().models().get(key.model());
      if (model == null || !model.aliases().containsKey(key.alias())) {
        rolledBack.dataPoint(counter(key.model(), key.alias(), key.trigger(), e.getValue().get()));
      }
    }
    return new MetricSnapshots(weights.build(), revisions.build(), rolledBack.build(), breakers.build(), health.build(),
        rolloutPercent.build(), rolloutState.build());
  }

  private static GaugeDataPointSnapshot gauge(Labels labels, double value) {
    return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
  }

  private static CounterDataPointSnapshot counter(String model, String alias, String trigger, long value) {
    return CounterDataPointSnapshot.builder().labels(Labels.of(ROLLBACK, new String[] {model, alias, trigger})).value(value).build();
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of("modelgate_alias_weight", "modelgate_alias_revision", "modelgate_rollbacks", "modelgate_endpoint_breaker_state",
        "modelgate_endpoint_healthy", "modelgate_rollout_percent", "modelgate_rollout_state");
  }
}
