package dev.modelgate.gateway.schema;

import dev.modelgate.core.slo.SloPolicy;
import java.time.Duration;

/**
 * An alias's SLO policy (docs/configuration.md#slo) with durations as the config file writes them; a key left out
 * takes the config file's default, and {@code relative_to_stable} is written only when set.
 */
public record SloJson(
    Duration window,
    Duration evaluationInterval,
    Integer minRequests,
    Double maxErrorRate,
    Duration maxP99Latency,
    Double relativeToStable,
    Integer breachesToRevert,
    Duration cooldown) {

  public SloJson {
    window = window == null ? SloPolicy.DEFAULT_WINDOW : window;
    evaluationInterval = evaluationInterval == null ? SloPolicy.DEFAULT_EVALUATION_INTERVAL : evaluationInterval;
    minRequests = minRequests == null ? SloPolicy.DEFAULT_MIN_REQUESTS : minRequests;
    maxErrorRate = maxErrorRate == null ? SloPolicy.DEFAULT_MAX_ERROR_RATE : maxErrorRate;
    maxP99Latency = maxP99Latency == null ? SloPolicy.DEFAULT_MAX_P99_LATENCY : maxP99Latency;
    breachesToRevert = breachesToRevert == null ? SloPolicy.DEFAULT_BREACHES_TO_REVERT : breachesToRevert;
    cooldown = cooldown == null ? SloPolicy.DEFAULT_COOLDOWN : cooldown;
  }

  static SloJson of(SloPolicy p) {
    return p == null ? null : new SloJson(p.window(), p.evaluationInterval(), p.minRequests(), p.maxErrorRate(), p.maxP99Latency(),
        p.relativeToStable(), p.breachesToRevert(), p.cooldown());
  }

  SloPolicy toPolicy() {
    return new SloPolicy(window, evaluationInterval, minRequests, maxErrorRate, maxP99Latency, relativeToStable, breachesToRevert, cooldown);
  }
}
