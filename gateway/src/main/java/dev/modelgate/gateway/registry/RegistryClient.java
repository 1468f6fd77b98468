package dev.modelgate.gateway.registry;

import io.vertx.core.Future;
import java.util.Optional;

/**
 * What registry sync needs of one model registry. Every call is non-blocking and bounded in time;
 * a failed future carries a {@link RegistryException} whose message names the call and never a
 * credential.
 */
public interface RegistryClient {

  /**
   * The version the registry alias points at, read from the registry itself.
   *
   * @param path the model in the registry: W&B {@code entity/project/collection}, MLflow the model name
   * @return empty when the alias is not set there
   */
  Future<Optional<RegistryVersion>> aliasTarget(String path, String alias);

  /** Records modelgate's verdict on a version in the registry (a tag). */
  Future<Void> markStatus(String path, long version, ServingStatus status);

  /** Points the registry alias at {@code version} (moving it if it was elsewhere). */
  Future<Void> moveAlias(String path, String alias, long version);

  /** Releases its connections; the sync calls it when the gateway stops. */
  default void close() {}
}
