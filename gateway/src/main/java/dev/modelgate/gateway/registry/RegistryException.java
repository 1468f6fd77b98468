package dev.modelgate.gateway.registry;

/**
 * A registry call that failed: unreachable, timed out, refused (401, 403), or answered something
 * that is not what its API publishes. The message is shown to operators as it is, so it names the
 * call and what went wrong, and never a credential.
 */
public final class RegistryException extends RuntimeException {
  private final boolean retryable;

  public RegistryException(String message, boolean retryable) {
    super(message, null, false, false);
    this.retryable = retryable;
  }

  /** Whether another attempt could succeed (a timeout, a reset, 429, 5xx), as opposed to 4xx or garbage. */
  public boolean retryable() {
    return retryable;
  }
}
