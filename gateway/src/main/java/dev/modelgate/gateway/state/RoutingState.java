package dev.modelgate.gateway.state;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.registry.Registry;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The one mutable root of routing: the current {@link RoutingTable}. Requests read it once, without
 * locks; writers (config load, admin API, SLO guard) build the next table off to the side and swap
 * it in atomically, so a request sees either the old routing or the new, never a mix.
 */
public final class RoutingState {
  private final AtomicReference<RoutingTable> current = new AtomicReference<>(RoutingTable.EMPTY);
  private final Function<String, String> environment;
  private final Consumer<RoutingTable> onChange;

  /**
   * @param onChange told of every new table after it is swapped in (metrics); runs on the writer's thread
   */
  public RoutingState(Function<String, String> environment, Consumer<RoutingTable> onChange) {
    this.environment = requireNonNull(environment, "environment");
    this.onChange = requireNonNull(onChange, "onChange");
  }

  /** The table to route one request on. Read it once per request. */
  public RoutingTable table() {
    return current.get();
  }

  /**
   * Validates {@code registry}, builds its table and swaps it in. Writers are serialised so that
   * each new table carries over the endpoint state of the one it replaces.
   *
   * @throws dev.modelgate.core.registry.InvalidRegistryException when the registry is invalid;
   *     the current table is then unchanged
   */
  public synchronized RoutingTable replace(Registry registry) {
    return swapIn(registry);
  }

  /**
   * Applies {@code change} to the current registry and swaps the result in, atomically with respect
   * to every other writer: a change computed from a registry another writer has since replaced is
   * never applied.
   *
   * @throws dev.modelgate.core.registry.InvalidRegistryException when the result is invalid; the
   *     current table is then unchanged
   */
  public synchronized RoutingTable update(UnaryOperator<Registry> change) {
    return swapIn(change.apply(current.get().registry()));
  }

  private RoutingTable swapIn(Registry registry) {
    RoutingTable next = RoutingTable.build(registry, current.get(), environment);
    current.set(next);
    onChange.accept(next);
    return next;
  }
}
