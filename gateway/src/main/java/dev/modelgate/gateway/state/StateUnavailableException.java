package dev.modelgate.gateway.state;

import java.io.IOException;

/**
 * The shared store (PostgreSQL) cannot be reached: the connection is refused or lost, or an answer
 * did not come in time. Nothing was acknowledged; a write that was already sent may still have
 * committed, and then the next catch-up folds it like any other replica's event. The admin API
 * answers 503 {@code state_unavailable}; routing goes on from the last table.
 */
public final class StateUnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  public StateUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
