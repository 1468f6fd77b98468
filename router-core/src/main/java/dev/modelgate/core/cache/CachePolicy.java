package dev.modelgate.core.cache;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * An alias's {@code cache} setting (SPEC §12): how long an answer is kept and on which paths.
 *
 * <p>Only an answer the same request would get again is worth replaying: embeddings always; chat,
 * completions and responses only at {@code temperature: 0}, for one choice, and not streamed (a
 * stream is relayed as it is produced, never buffered whole). A request without {@code temperature}
 * samples at the backend's default, which is not 0.
 *
 * @param ttl how long after it was stored an answer may be served
 * @param paths the paths whose answers are kept
 */
public record CachePolicy(Duration ttl, Set<CachePath> paths) {
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
  public static final Set<CachePath> DEFAULT_PATHS = Collections.unmodifiableSet(EnumSet.of(CachePath.EMBEDDINGS, CachePath.CHAT, CachePath.COMPLETIONS));

  public CachePolicy {
    requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: more than 0)");
    }
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("paths: [] (expected: at least one of " + CachePath.EXPECTED + ")");
    }
    paths = Collections.unmodifiableSet(EnumSet.copyOf(paths));
  }

  /**
   * Whether the answer to a request may be stored and replayed.
   *
   * @param path the request's path, or {@code null} when it is not an inference path
   * @param stream whether the request asked for a stream
   * @param temperatureZero whether the request set {@code temperature} to 0
   * @param choices the request's {@code n}; 1 when it set none
   */
  public boolean admits(CachePath path, boolean stream, boolean temperatureZero, long choices) {
    if (path == null || !paths.contains(path) || stream) {
      return false;
    }
    return path == CachePath.EMBEDDINGS || (temperatureZero && choices == 1);
  }
}
