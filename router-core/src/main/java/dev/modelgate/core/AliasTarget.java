package dev.modelgate.core;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.SegmentMatcher;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.split.TrafficSplit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An alias's weighted split. Without a sticky key, requests walk a shared sequence through the
 * buckets, so every 100 consecutive requests match the weights exactly.
 *
 * <p>A request one of the alias's segments matches routes by that segment's split instead, with a
 * sequence of its own; a segment's split lays its versions over the same buckets as the alias's
 * unless a rollout sends the segment to its candidate, so a sticky key lands on the same version
 * inside a segment as outside it. Mirroring walks its own sequence too: exactly {@code percent} of
 * every 100 requests get a copy.
 */
public final class AliasTarget implements Target {
  private final String model;
  private final Alias alias;
  private final TrafficSplit<RouteDecision> split;
  private final SegmentMatcher segments;
  // Per segment of the matcher, by its index.
  private final List<TrafficSplit<RouteDecision>> segmentSplits;
  private final RouteDecision mirror;
  private final int mirrorPercent;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLongArray segmentSequences;
  private final AtomicLong mirrorSequence = new AtomicLong();

  AliasTarget(String model, Alias alias, TrafficSplit<RouteDecision> split, SegmentMatcher segments,
      List<TrafficSplit<RouteDecision>> segmentSplits, RouteDecision mirror, int mirrorPercent) {
    this.model = model;
    this.alias = alias;
    this.split = split;
    this.segments = segments;
    this.segmentSplits = List.copyOf(segmentSplits);
    this.mirror = mirror;
    this.mirrorPercent = mirror == null ? 0 : mirrorPercent;
    this.segmentSequences = new AtomicLongArray(segmentSplits.size());
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

  /** The alias's segments; {@link SegmentMatcher#isEmpty() empty} for most aliases. */
  public SegmentMatcher segments() {
    return segments;
  }

  /** The next pick of the alias's sequence. */
  public RouteDecision pick() {
    return split.pick(TrafficSplit.bucketOfSequence(sequence.getAndIncrement()));
  }

  /** The pick for a sticky key; {@code null} falls back to {@link #pick()}. */
  public RouteDecision pick(CharSequence stickyKey) {
    return stickyKey == null ? pick() : split.pick(TrafficSplit.bucketOfKey(stickyKey));
  }

  /**
   * The pick for a request the alias's segments may match, by the first matching segment's split,
   * else by the alias's; {@code request} may be {@code null} when the alias has no segments.
   */
  public RouteDecision pick(SegmentMatcher.Request request, CharSequence stickyKey) {
    int segment = request == null || segments.isEmpty() ? -1 : segments.indexOf(request);
    if (segment < 0) {
      return pick(stickyKey);
    }
    TrafficSplit<RouteDecision> chosen = segmentSplits.get(segment);
    int bucket = stickyKey != null ? TrafficSplit.bucketOfKey(stickyKey)
        : TrafficSplit.bucketOfSequence(segmentSequences.getAndIncrement(segment));
    return chosen.pick(bucket);
  }

  /** Whether some requests of this alias are mirrored. */
  public boolean mirrors() {
    return mirror != null;
  }

  /** The shadow route the next request is also sent to, or {@code null} when it is not mirrored. */
  public RouteDecision mirror() {
    if (mirror == null) {
      return null;
    }
    return TrafficSplit.bucketOfSequence(mirrorSequence.getAndIncrement()) < mirrorPercent ? mirror : null;
  }
}
