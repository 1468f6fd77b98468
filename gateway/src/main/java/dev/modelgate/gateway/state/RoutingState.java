package dev.modelgate.gateway.state;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.EndpointGate;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.rollout.Delivery;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one mutable root of routing: the current {@link RoutingTable}. Requests read it once, without
 * locks; the one writer ({@link ControlPlane}) builds the next table off to the side and swaps it in
 * atomically, so a request sees either the old routing or the new, never a mix.
 */
public final class RoutingState {
  private final AtomicReference<RoutingTable> current = new AtomicReference<>(RoutingTable.EMPTY);
  private final Function<String, String> environment;
  private final Function<String, EndpointGate> gates;
  private final Consumer<RoutingTable> onChange;
  // What the config file declares about delivery (segments, shadows); runtime state never changes it.
  private volatile Map<String, Map<String, Delivery>> deliveries = Map.of();

  /**
   * @param gates makes the gate (breaker, health) of an endpoint URL new to a table
   * @param onChange told of every new table just before it is swapped in, so the per-route meters and
   *     SLO windows built then exist before any request routes on it (and health checks start);
   *     runs on the writer's thread
   */
  public RoutingState(Function<String, String> environment, Function<String, EndpointGate> gates, Consumer<RoutingTable> onChange) {
    this.environment = requireNonNull(environment, "environment");
    this.gates = requireNonNull(gates, "gates");
    this.onChange = requireNonNull(onChange, "onChange");
  }

  /** The table to route one request on. Read it once per request. */
  public RoutingTable table() {
    return current.get();
  }

  /**
   * Builds the table for {@code registry} without swapping it in, so a writer can refuse a change
   * that cannot be served before recording it. Install it with {@link #install} from the same
   * writer, with no other write in between.
   *
   * @param folded a registry the fold built ({@link dev.modelgate.core.ledger.RegistryFold}, {@link
   *     dev.modelgate.core.ledger.LedgerState}, a snapshot read back), which checked every model it
   *     holds against the registry rules, so the table build does not check them a second time
   */
  public RoutingTable build(Registry folded) {
    return RoutingTable.build(folded, folded, current.get(), environment, gates, deliveries);
  }

  /**
   * Takes the config file's deliveries (model → alias → segments, shadow, plan); the next table
   * built routes by them. {@link ControlPlane#redeclare} builds one when they changed alone.
   */
  public void declareDeliveries(Map<String, Map<String, Delivery>> declared) {
    deliveries = Map.copyOf(requireNonNull(declared, "declared"));
  }

  /** Whether the current table was built with other deliveries than the declared ones. */
  boolean deliveriesChanged() {
    return !current.get().deliveries().equals(deliveries);
  }

  /** Swaps in a table from {@link #build}. */
  public synchronized void install(RoutingTable next) {
    onChange.accept(next);
    current.set(next);
  }
}
