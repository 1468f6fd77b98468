package dev.modelgate.core;

/**
 * What decides, beyond its address, whether an endpoint takes traffic: the gateway's circuit
 * breaker and active health check. router-core only asks; the gateway implements it, so routing
 * stays free of I/O and of any breaker library.
 *
 * <p>Every {@link #tryAcquire()} that returns {@code true} is settled by exactly one of
 * {@link #succeeded}, {@link #failed}, {@link #unreachable} or {@link #release}.
 */
public interface EndpointGate {
  /** Admits everything and records nothing: for tables built without a gateway (tools, tests). */
  EndpointGate UNGUARDED = new EndpointGate() {
    @Override
    public boolean admits(long nowNanos) {
      return true;
    }

    @Override
    public boolean tryAcquire() {
      return true;
    }

    @Override
    public void release() {}

    @Override
    public void succeeded(long durationNanos) {}

    @Override
    public void failed(long durationNanos) {}

    @Override
    public void unreachable() {}
  };

  /** Cheap and free of side effects: whether a request offered now could be admitted. */
  boolean admits(long nowNanos);

  /** Claims admission for one request; {@code false} when refused after all (say, every half-open probe is out). */
  boolean tryAcquire();

  /** Gives back an admission that produced no verdict (the client left, or the gateway failed). */
  void release();

  /** The backend answered (any status below 500) after {@code durationNanos}. */
  void succeeded(long durationNanos);

  /** The backend answered 5xx, broke the connection or timed out. */
  void failed(long durationNanos);

  /** No connection could be made: nothing reached the backend. */
  void unreachable();
}
