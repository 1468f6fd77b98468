package dev.modelgate.gateway.schema;

import dev.modelgate.core.registry.HealthCheck;
import java.time.Duration;

/** {@code {"path":"/health","interval":"5s","timeout":"1s"}}; a key left out takes the config file's default. */
public record HealthCheckJson(String path, Duration interval, Duration timeout) {

  public HealthCheckJson {
    path = path == null ? HealthCheck.DEFAULT_PATH : path;
    interval = interval == null ? HealthCheck.DEFAULT_INTERVAL : interval;
    timeout = timeout == null ? HealthCheck.DEFAULT_TIMEOUT : timeout;
  }

  static HealthCheckJson of(HealthCheck check) {
    return check == null ? null : new HealthCheckJson(check.path(), check.interval(), check.timeout());
  }

  HealthCheck toHealthCheck() {
    return new HealthCheck(path, interval, timeout);
  }
}
