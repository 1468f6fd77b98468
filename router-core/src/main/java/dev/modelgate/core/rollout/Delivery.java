package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.Messages;
import dev.modelgate.core.Names;
import dev.modelgate.core.registry.Segment;
import dev.modelgate.core.registry.SegmentMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What an alias declares about delivering new versions besides its weights
 * (docs/configuration.md#rollout): a rollout plan, segments, and a standing shadow. Kept beside the
 * {@link dev.modelgate.core.registry.Alias} rather than in it until the ledger carries these keys.
 *
 * @param rollout how a rollout of this alias proceeds, or {@code null} when none can be started
 * @param segments in declaration order, the first match wins
 * @param shadow a version that gets a copy of a share of the alias's requests, or {@code null}
 */
public record Delivery(RolloutPlan rollout, List<Segment> segments, Shadow shadow) {
  public static final Delivery NONE = new Delivery(null, List.of(), null);

  /** {@code percent} % of the alias's requests are also sent to {@code version}, whose answers are discarded. */
  public record Shadow(String version, int percent) {
    public Shadow {
      requireNonNull(version, "version");
    }
  }

  public Delivery {
    segments = List.copyOf(segments);
  }

  /** The segments compiled for the request path. */
  public SegmentMatcher matcher() {
    return SegmentMatcher.compile(segments);
  }

  /** The names of the segments, in declaration order. */
  public List<String> segmentNames() {
    List<String> names = new ArrayList<>(segments.size());
    for (Segment segment : segments) {
      names.add(segment.name());
    }
    return names;
  }

  /**
   * Every problem, each as {@code key: what (expected: …)} with the config file's key under the alias
   * ({@code rollout.steps[2]}, {@code segments.internal.header}, {@code shadow.version}); empty when valid.
   *
   * @param versions the model's versions, which a shadow must name
   * @param guarded whether the alias has an SLO policy, which a rollout's gate judges by
   */
  public List<String> problems(Collection<String> versions, boolean guarded) {
    List<String> problems = new ArrayList<>();
    if (rollout != null) {
      if (!guarded) {
        problems.add("rollout: needs the alias's slo, which judges every step (expected: an slo mapping beside it; slo: {} takes the defaults)");
      }
      for (String problem : rollout.problems(segmentNames())) {
        problems.add("rollout." + problem);
      }
    }
    for (int i = 0; i < segments.size(); i++) {
      Segment segment = segments.get(i);
      String key = "segments." + segment.name();
      String nameProblem = Names.segmentNameProblem(segment.name());
      if (nameProblem != null) {
        problems.add(key + ": " + nameProblem);
      }
      for (String problem : segment.matchProblems()) {
        problems.add(key + "." + problem);
      }
    }
    if (shadow != null) {
      if (!versions.contains(shadow.version())) {
        problems.add("shadow.version: names unknown version " + Messages.quote(shadow.version())
            + (versions.isEmpty() ? " (the model has no versions)" : " (expected one of: " + String.join(", ", versions) + ")"));
      }
      RolloutPlan.mirrorPercent("shadow.percent", shadow.percent(), problems);
    }
    return problems;
  }
}
