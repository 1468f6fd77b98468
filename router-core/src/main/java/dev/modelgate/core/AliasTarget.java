package dev.modelgate.core;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.split.TrafficSplit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An alias's weighted split. Without a sticky key, requests walk a shared sequence through the
 * buckets, so every 100 consecutive requests match the weights exactly.
 */
public final class AliasTarget implements Target {
  private final String model;
  private final Alias alias;
  private final TrafficSplit<RouteDecision> split;
  private final AtomicLong sequence = new AtomicLong();

  AliasTarget(String model, Alias alias, TrafficSplit<RouteDecision> split) {
    this.model = model;
    this.alias = alias;
    this.split = split;
  }

  @Override
  public String model() {
    return model;
  }

  public Alias alias() {
    return alias;
  }

  /** Where the sticky key is read from, or {@code null}. */
  public StickyKey sticky() {
    return alias.sticky();
  }

  /** The next pick of the alias's sequence. */
  public RouteDecision pick() {
    return split.pick(TrafficSplit.bucketOfSequence(sequence.getAndIncrement()));
  }

  /** The pick for a sticky key; {@code null} falls back to {@link #pick()}. */
  public RouteDecision pick(CharSequence stickyKey) {
    return stickyKey == null ? pick() : split.pick(TrafficSplit.bucketOfKey(stickyKey));
  }
}
