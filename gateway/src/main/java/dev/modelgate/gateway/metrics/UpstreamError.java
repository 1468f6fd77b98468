package dev.modelgate.gateway.metrics;

/** Why an exchange with a backend failed; the {@code kind} label of {@code modelgate_upstream_errors_total}. */
public enum UpstreamError {
  /** No connection could be made (refused, unreachable, connect timeout). */
  CONNECT("connect"),
  /** No complete answer within {@code upstream_timeout}, or a stream fell silent that long. */
  TIMEOUT("timeout"),
  /** The connection broke after the request was sent. */
  BROKEN("broken"),
  /** The backend answered 5xx. */
  STATUS_5XX("status_5xx"),
  /** Not sent: every endpoint of the version was out of rotation (circuit breaker open or health check failing). */
  NO_HEALTHY_ENDPOINT("no_healthy_endpoint");

  private final String label;

  UpstreamError(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
