package dev.modelgate.core.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.slo.WindowSnapshot;

/**
 * What a rollout's candidate did, as one evaluation reads it.
 *
 * @param phase the candidate's requests since its phase began: mirrored ones in the shadow phase,
 *     the segment's in the segment phase; what a pass is judged on
 * @param window the candidate's SLO window now, judged as the SLO guard judges it for a breach
 * @param fromWindow the previous stable version's window, the baseline of {@code relative_to_stable}
 */
public record GateFigures(WindowSnapshot phase, WindowSnapshot window, WindowSnapshot fromWindow) {

  public GateFigures {
    requireNonNull(phase, "phase");
    requireNonNull(window, "window");
    requireNonNull(fromWindow, "fromWindow");
  }
}
