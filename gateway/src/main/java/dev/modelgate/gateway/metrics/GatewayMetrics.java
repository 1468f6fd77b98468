package dev.modelgate.gateway.metrics;

import dev.modelgate.core.PerDecision;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters. Each routing table gets a slot per route decision ({@link #routingChanged},
 * before it is swapped in), and a request finds its route's meters by the decision's index. A
 * route's meters are registered on its first request ever, kept for the process, and put in the
 * slot of each table on its first request there; from then on a request increments them and
 * never builds tag lists or looks up a map. So a registry of 10,000 models registers series for
 * the routes that serve, not for every route it could.
 * Label values come from the registry only; requests for unknown models share one fixed series.
 */
public final class GatewayMetrics implements AutoCloseable {
  static final String UNKNOWN = "unknown";
  static final String NONE = "";
  // LLM latencies run from tens of milliseconds to minutes; a short fixed ladder keeps series few.
  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};

  private static final Duration[] OVERHEAD_BUCKETS = {
      Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25)};

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), CoarseClock.INSTANCE);
  // Every route's meters, made on its first request: a registry of thousands of models registers
  // series only for the routes that serve, and a new table finds the meters of its old routes here.
  private final ConcurrentHashMap<RouteKey, RouteMeters> metersByRoute = new ConcurrentHashMap<>();
  // The current table's decisions' meters, filled as they serve; replaced whole with the table.
  private volatile PerDecision<RouteMeters> routes = PerDecision.lazily(RoutingTable.EMPTY, this::meters);
  private final ConcurrentHashMap<String, AtomicInteger> inflightByVersion = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ShadowCounters> shadowCounters = new ConcurrentHashMap<>();
  private final RouteMeters unrouted;
  private final Timer overhead;
  private final RegistrySeries registrySeries = new RegistrySeries();

  public GatewayMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    unrouted = new RouteMeters(UNKNOWN, NONE, NONE, NONE);
    overhead = Timer.builder("modelgate_overhead")
        .description("Time the gateway itself adds to a request, beyond the exchange with the backend")
        .serviceLevelObjectives(OVERHEAD_BUCKETS)
        .register(registry);
    registry.getPrometheusRegistry().register(registrySeries);
  }

  /** The meters of one route decision; {@code null} means the request was never routed. */
  public RouteMeters route(RouteDecision decision) {
    if (decision == null) {
      return unrouted;
    }
    RouteMeters meters = routes.get(decision);
    // A decision of a table replaced since it was made: the registry hands back the same series.
    return meters != null ? meters : meters(decision);
  }

  private RouteMeters meters(RouteDecision d) {
    RouteKey key = new RouteKey(d.model(), d.alias() == null ? NONE : d.alias(), d.version().id(), d.route().header());
    RouteMeters meters = metersByRoute.get(key);
    return meters != null ? meters : metersByRoute.computeIfAbsent(key, k -> new RouteMeters(k.model, k.alias, k.version, k.route));
  }

  private record RouteKey(String model, String alias, String version, String route) {}


  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    registry.close();
  }

  /** Pre-built meters of one route: a request only increments. */
  public final class RouteMeters {
    private final Counter[] requests = new Counter[Outcome.values().length];
    private final Counter[] upstreamErrors = new Counter[UpstreamError.values().length];
    private final Timer duration;
    private final Timer timeToFirstToken;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final AtomicInteger inflight;

    RouteMeters(String model, String alias, String version, String route) {
      for (Outcome outcome : Outcome.values()) {
        requests[outcome.ordinal()] = Counter.builder("modelgate_requests")
            .description("Requests answered, by route and outcome")
            .tags("model", model, "alias", alias, "version", version, "route", route, "outcome", outcome.label())
            .register(registry);
      }
      for (UpstreamError kind : UpstreamError.values()) {
        upstreamErrors[kind.ordinal()] = Counter.builder("modelgate_upstream_errors")
            .description("Failed exchanges with backends, by kind")
            .tags("model", model, "version", version, "kind", kind.label())
            .register(registry);
      }
      duration = Timer.builder("modelgate_request_duration")
          .description("Full response time as the client sees it")
          .tags("model", model, "alias", alias, "version", version)
          .serviceLevelObjectives(LATENCY_BUCKETS)
          .register(registry);
      timeToFirstToken = Timer.builder("modelgate_time_to_first_token")
          .description("Time from the request to the first streamed event")
          .tags("model", model, "alias", alias, "version", version)
          .serviceLevelObjectives(LATENCY_BUCKETS)
          .register(registry);
      promptTokens = tokens(model, version, "prompt");
      completionTokens = tokens(model, version, "completion");
      inflight = inflightGauge(model, version);
    }

    private Counter tokens(String model, String version, String kind) {
      return Counter.builder("modelgate_tokens")
          .description("Tokens the backends reported in usage")
          .tags("model", model, "version", version, "kind", kind)
          .register(registry);
    }

    public void started() {
      inflight.incrementAndGet();
    }

    public void stopped() {
      inflight.decrementAndGet();
    }

    public void record(Outcome outcome, long durationNanos) {
      requests[outcome.ordinal()].increment();
      duration.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    public void firstToken(long nanos) {
      timeToFirstToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts reported usage; {@code null} means not reported. */
    public void tokens(Long prompt, Long completion) {
      if (prompt != null) {
        promptTokens.increment(prompt);
      }
      if (completion != null) {
        completionTokens.increment(completion);
      }
    }

    public void upstreamError(UpstreamError kind) {
      upstreamErrors[kind.ordinal()].increment();
    }
  }

  /**
   * Counts one shadow copy of a request by how it ended; {@code null} for a copy dropped because
   * too many were in flight. Every outcome's series is registered at the version's first copy.
   */
  public void shadowRequest(RouteDecision shadow, Outcome outcome) {
    String key = shadow.model() + '\u0000' + shadow.version().id();
    ShadowCounters counters = shadowCounters.get(key);
    if (counters == null) {
      counters = shadowCounters.computeIfAbsent(key, k -> new ShadowCounters(shadow.model(), shadow.version().id()));
    }
    (outcome == null ? counters.dropped : counters.ended[outcome.ordinal()]).increment();
  }

  /** {@code modelgate_shadow_requests_total} of one version. */
  private final class ShadowCounters {
    private final Counter[] ended = new Counter[Outcome.values().length];
    private final Counter dropped;

    ShadowCounters(String model, String version) {
      for (Outcome outcome : Outcome.values()) {
        ended[outcome.ordinal()] = counter(model, version, outcome.label());
      }
      dropped = counter(model, version, "dropped");
    }

    private Counter counter(String model, String version, String outcome) {
      return Counter.builder("modelgate_shadow_requests")
          .description("Copies of requests sent to shadow versions, by outcome; dropped: not sent, too many in flight")
          .tags("model", model, "version", version, "outcome", outcome)
          .register(registry);
    }
  }

  /** Time the gateway's own work added to one request, beyond the exchange with the backend. */
  public void overhead(long nanos) {
    overhead.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Counts one rollback of an alias; {@code trigger} is {@code auto} (the SLO guard) or {@code manual}. */
  public void rollback(String model, String alias, String trigger) {
    registrySeries.rollback(model, alias, trigger);
  }

  /** Reports whether this replica leads its fleet's SLO guard (1) or not (0); a process with its own store always leads. */
  public void sloGuardLeader(java.util.function.BooleanSupplier leads) {
    Gauge.builder("modelgate_slo_guard_leader", leads, l -> l.getAsBoolean() ? 1 : 0)
        .description("1 while this replica leads its fleet's SLO guard (decides rollbacks), else 0")
        // The supplier is a method reference nothing else holds: a weak one would be collected.
        .strongReference(true)
        .register(registry);
  }

  /** Reports whether this replica cannot reach its state store now (1) or can (0): {@code /healthz} says {@code degraded} meanwhile. */
  public void stateDegraded(java.util.function.BooleanSupplier degraded) {
    Gauge.builder("modelgate_state_degraded", degraded, d -> d.getAsBoolean() ? 1 : 0)
        .description("1 while this replica cannot reach its state store (routing goes on, admin changes answer 503), else 0")
        .strongReference(true)
        .register(registry);
  }

  /**
   * Counts one sync of a followed alias with {@code registry} (a configured name) by outcome:
   * {@code changed} (events recorded here), {@code unchanged} (already in line), {@code error}
   * (the registry could not be read, or what it said could not be applied).
   */
  public void registrySync(String registry, String outcome) {
    Counter.builder("modelgate_registry_sync")
        .description("Syncs of a followed registry alias, by outcome: changed, unchanged, error")
        .tags("registry", registry, "outcome", outcome)
        .register(this.registry)
        .increment();
  }

  /**
   * The counters of the webhook at {@code index} in the config, labelled by that index and its
   * configured host: values fixed by the config, never by an event. Registered at once, so every
   * series exists from zero.
   */
  public WebhookMeters webhook(int index, String host) {
    return new WebhookMeters(Integer.toString(index), host);
  }

  /** One webhook's counters: each event ends as exactly one of delivered, given up or dropped. */
  public final class WebhookMeters {
    private final Counter delivered;
    private final Counter givenUp;
    private final Counter dropped;
    private final Counter failedAttempts;

    WebhookMeters(String webhook, String host) {
      delivered = delivery(webhook, host, "delivered");
      givenUp = delivery(webhook, host, "given_up");
      dropped = delivery(webhook, host, "dropped");
      failedAttempts = Counter.builder("modelgate_webhook_failed_attempts")
          .description("Webhook POSTs that failed (connection error, timeout or a non-2xx answer); most are retried")
          .tags("webhook", webhook, "host", host)
          .register(registry);
    }

    private Counter delivery(String webhook, String host, String outcome) {
      return Counter.builder("modelgate_webhook_deliveries")
          .description("Audit events sent to a webhook, by outcome: delivered (2xx), given_up (retries ran out), dropped (queue full)")
          .tags("webhook", webhook, "host", host, "outcome", outcome)
          .register(registry);
    }

    public void delivered() {
      delivered.increment();
    }

    public void givenUp() {
      givenUp.increment();
    }

    public void dropped() {
      dropped.increment();
    }

    public void failedAttempt() {
      failedAttempts.increment();
    }
  }

  /** Registers a part's own meters (the response cache's) in the gateway's registry. */
  public void bind(MeterBinder binder) {
    binder.bindTo(registry);
  }

  /**
   * Gives a new routing table's routes their meter slots and publishes its aliases and endpoints
   * ({@link RegistrySeries}). Call it before the table is swapped in.
   */
  public void routingChanged(RoutingTable table) {
    routes = PerDecision.lazily(table, this::meters);
    registrySeries.routingChanged(table);
  }

  // One gauge per version, shared by the routes (alias or pinned) that reach it.
  private AtomicInteger inflightGauge(String model, String version) {
    return inflightByVersion.computeIfAbsent(model + '\u0000' + version, key -> {
      AtomicInteger count = new AtomicInteger();
      Gauge.builder("modelgate_inflight_requests", count, AtomicInteger::get)
          .description("Requests in flight")
          .tags("model", model, "version", version)
          .register(registry);
      return count;
    });
  }
}
