package dev.modelgate.gateway.proxy;

/**
 * Where an {@link Exchange} is in its life. Every change goes through {@link #check}, so a step
 * taken out of order is a bug that costs one request a 500, never a second answer or a leak.
 *
 * <pre>
 * ARRIVED        → BODY, DONE
 * BODY           → ROUTING, DONE
 * ROUTING        → CONNECTING, DONE
 * CONNECTING     → AWAITING_HEAD, ROUTING (the connection failed: another endpoint), DONE
 * AWAITING_HEAD  → HEAD_HELD, DONE
 * HEAD_HELD      → RELAYING, DONE
 * RELAYING       → PAUSED, DONE
 * PAUSED         → RELAYING, DONE
 * DONE           (final)
 * </pre>
 * Any phase but {@code DONE} may end: answered whole, relayed to its end, failed, or abandoned by
 * the client.
 */
enum Phase {
  /** The request head is in; path, method, key and declared length are checked. */
  ARRIVED,
  /** The body is arriving (after a 100-continue, if the client asked for one). */
  BODY,
  /** The body is whole and being routed, or is between two endpoints after a failed connection. */
  ROUTING,
  /** An endpoint is chosen and held; a connection to it is being borrowed or opened. */
  CONNECTING,
  /** The request is on its way to the backend, whose answer has not begun. */
  AWAITING_HEAD,
  /** The backend's head is in but not yet written: a backend that falls silent now still gets a whole 504. */
  HEAD_HELD,
  /** The head is written; the answer is relayed as it arrives. */
  RELAYING,
  /** Relaying, with reads from the backend paused until the client takes what was written. */
  PAUSED,
  /** Answered (or abandoned) and recorded, exactly once. */
  DONE;

  private int allowed;

  static {
    allow(ARRIVED, BODY, DONE);
    allow(BODY, ROUTING, DONE);
    allow(ROUTING, CONNECTING, DONE);
    allow(CONNECTING, AWAITING_HEAD, ROUTING, DONE);
    allow(AWAITING_HEAD, HEAD_HELD, DONE);
    allow(HEAD_HELD, RELAYING, DONE);
    allow(RELAYING, PAUSED, DONE);
    allow(PAUSED, RELAYING, DONE);
  }

  private static void allow(Phase from, Phase... to) {
    for (Phase next : to) {
      from.allowed |= 1 << next.ordinal();
    }
  }

  /** {@code next}, when this phase may change to it; an {@link IllegalStateException} otherwise. */
  Phase check(Phase next) {
    if ((allowed & (1 << next.ordinal())) == 0) {
      throw new IllegalStateException("an exchange cannot go from " + this + " to " + next);
    }
    return next;
  }

  /** Whether an endpoint is counted as busy with this exchange and awaits its verdict. */
  boolean holdsEndpoint() {
    return this == CONNECTING || this == AWAITING_HEAD || this == HEAD_HELD || this == RELAYING || this == PAUSED;
  }

  /** Whether the answer's head is on the wire, so an error can no longer be a whole answer of its own. */
  boolean headWritten() {
    return this == RELAYING || this == PAUSED;
  }
}
