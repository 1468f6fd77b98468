package dev.modelgate.core.registry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** An optional active health check of a version's endpoints. */
public record HealthCheck(String path, Duration interval, Duration timeout) {
  public static final String DEFAULT_PATH = "/health";
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

  public HealthCheck {
    requireNonNull(path, "path");
    requireNonNull(interval, "interval");
    requireNonNull(timeout, "timeout");
  }
}
