package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.modelgate.core.ledger.AuditEvent;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.rollout.Rollout;
import dev.modelgate.core.rollout.Verdict;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.core.slo.WindowSnapshot;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the admin API answers (docs/admin-api.md), written only: the registry's own shapes ({@link ModelJson},
 * {@link AliasJson}, {@link SloJson}) with what a reader needs around them.
 */
public final class AdminViews {
  private AdminViews() {}

  /** {@code GET /admin/v1/models}. */
  public record ModelList(List<ModelView> models) {
    public static ModelList of(Collection<Model> models) {
      return new ModelList(models.stream().map(ModelView::of).toList());
    }
  }

  /** {@code GET /admin/v1/models/{model}}: the model as its {@code config} event stores it, with its name first. */
  public record ModelView(String name, @JsonUnwrapped ModelJson model) {
    public static ModelView of(Model model) {
      return new ModelView(model.name(), ModelJson.of(model));
    }
  }

  /** {@code GET …/aliases/{alias}} and the answer to every alias move; {@code slo} is written as null when there is none. */
  public record AliasView(String model, String alias, Map<String, Integer> weights, String stable, long revision, StickyKey sticky,
      @JsonInclude(JsonInclude.Include.ALWAYS) SloView slo) {

    /** @param live the SLO guard's window of each version the policy watches */
    public static AliasView of(String model, Alias alias, Map<String, WindowSnapshot> live) {
      SloView slo = null;
      if (alias.slo() != null) {
        Map<String, WindowView> versions = new LinkedHashMap<>();
        live.forEach((version, window) -> versions.put(version, WindowView.of(window)));
        slo = new SloView(SloJson.of(alias.slo()), versions);
      }
      return new AliasView(model, alias.name(), alias.weights(), alias.stable(), alias.revision(), alias.sticky(), slo);
    }
  }

  /** The policy, and under {@code versions} the live figures it judges each version on. */
  public record SloView(@JsonUnwrapped SloJson policy, Map<String, WindowView> versions) {}

  public record WindowView(long requests, long failures, double errorRate, double p50Seconds, double p99Seconds) {
    static WindowView of(WindowSnapshot w) {
      return new WindowView(w.requests(), w.failures(), w.errorRate(), w.p50().toNanos() / 1e9, w.p99().toNanos() / 1e9);
    }
  }

  /**
   * {@code GET …/aliases/{alias}/rollout} and the answer to every rollout call (docs/admin-api.md#rollouts).
   *
   * @param nextAt when the current phase's least time is up, while the rollout can advance by itself
   * @param gate the gate's figures over the current phase on this replica, and its verdict; absent
   *     when the alias no longer has an SLO policy to judge by
   */
  public record RolloutView(String model, String alias, String version, String from, String state, String phase, int step, int percent,
      List<Integer> steps, List<Integer> approvalBefore, String startedBy, Instant startedAt, Instant enteredAt,
      @JsonInclude(JsonInclude.Include.ALWAYS) Instant nextAt, GateView gate) {

    public static RolloutView of(String model, String alias, Rollout rollout, Instant nextAt, GateView gate) {
      return new RolloutView(model, alias, rollout.version(), rollout.from(), rollout.status().wireName(), rollout.phase().wireName(),
          rollout.step(), rollout.percent(), rollout.plan().steps(), rollout.plan().approvalBefore(), rollout.startedBy(),
          rollout.startedAt(), rollout.enteredAt(), nextAt, gate);
    }
  }

  /** The gate's figures over the phase against the limits they are held to. */
  public record GateView(long requests, int minRequests, double errorRate, double maxErrorRate, double p99Seconds, double maxP99Seconds,
      String verdict) {
    public static GateView of(WindowSnapshot phase, int minRequests, SloPolicy limits, Verdict verdict) {
      return new GateView(phase.requests(), minRequests, phase.errorRate(), limits.maxErrorRate(), phase.p99().toNanos() / 1e9,
          limits.maxP99Latency().toNanos() / 1e9, verdict.wireName());
    }
  }

  /** {@code GET /admin/v1/audit}: oldest first. */
  public record EventList(List<EventJson> events) {
    public static EventList of(List<AuditEvent> events) {
      return new EventList(events.stream().map(EventJson::of).toList());
    }
  }

  /** What {@code DELETE /models/{model}/cache} removed from this replica's response cache. */
  public record CachePurge(String model, int removed) {}
}
