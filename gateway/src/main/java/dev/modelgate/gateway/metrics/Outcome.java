package dev.modelgate.gateway.metrics;

/** How a request ended; the bounded {@code outcome} label of {@code modelgate_requests_total}. */
public enum Outcome {
  /** The backend answered below 500. */
  SUCCESS("success", false),
  /** The gateway refused the request (bad JSON, unknown model, body too large, bad key). */
  CLIENT_ERROR("client_error", false),
  /** The backend answered 5xx, or the connection to it failed or broke. */
  UPSTREAM_ERROR("upstream_error", true),
  /** The backend did not answer within {@code upstream_timeout}. */
  TIMEOUT("timeout", true),
  /** No endpoint of the version could take the request. */
  UNAVAILABLE("unavailable", true),
  /** The gateway itself failed (a bug): not the version's fault. */
  GATEWAY_ERROR("gateway_error", false),
  /** The client went away before the answer was complete. */
  CANCELLED("cancelled", false);

  private final String label;
  private final boolean countsAgainstVersion;

  Outcome(String label, boolean countsAgainstVersion) {
    this.label = label;
    this.countsAgainstVersion = countsAgainstVersion;
  }

  public String label() {
    return label;
  }

  /** Whether this outcome is the version's fault, for SLO error rates. Client 4xx never are. */
  public boolean countsAgainstVersion() {
    return countsAgainstVersion;
  }
}
