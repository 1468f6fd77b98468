package dev.modelgate.gateway.state;

import java.io.IOException;

/**
 * Another writer sharing the store (a replica of the fleet) appended the next {@code seq} first,
 * so the change was decided on a registry that is no longer current. Nothing was written; the
 * {@link ControlPlane} folds what the other writer appended and decides the change again.
 */
public final class AppendConflictException extends IOException {
  private static final long serialVersionUID = 1L;

  public AppendConflictException(long seq) {
    super("seq " + seq + " was appended by another writer first");
  }
}
