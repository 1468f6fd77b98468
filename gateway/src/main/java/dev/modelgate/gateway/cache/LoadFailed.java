package dev.modelgate.gateway.cache;

/**
 * Why a load gave the requests waiting on it no answer to keep. With an {@link #answer()}, the
 * backend (or the gateway on its behalf) answered with an error, and each waiter gets that same
 * answer; without one, the loading request went away or its answer was too big to keep, and each
 * waiter asks again.
 */
public final class LoadFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;
  static final LoadFailed ASK_AGAIN = new LoadFailed(null);

  private final transient StoredAnswer answer;

  LoadFailed(StoredAnswer answer) {
    super(answer == null ? "the load ended without an answer to share" : "the load failed with status " + answer.status(), null, false, false);
    this.answer = answer;
  }

  /** The error answer to give every waiter, or {@code null}: ask the cache again. */
  public StoredAnswer answer() {
    return answer;
  }
}
