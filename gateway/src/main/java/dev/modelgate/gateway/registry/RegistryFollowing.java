package dev.modelgate.gateway.registry;

import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/** What the admin API asks of registry sync: its status, and the registries' webhooks to verify. */
public interface RegistryFollowing {

  /** Each configured registry's sync, in config order. */
  List<SyncStatus.Registry> status();

  /**
   * Verifies a webhook delivery for registry {@code name} and, when it is genuine, syncs the
   * aliases that follow that registry; the payload itself is never trusted for a version.
   *
   * @param header the delivery's header by name, case-insensitive
   */
  Future<WebhookAnswer> webhook(String name, Function<String, String> header, byte[] body);

  /** What a webhook delivery gets back: an HTTP status and why. */
  record WebhookAnswer(int status, String code, String message) {}

  /** Following no registry: an empty status, and every webhook refused as unknown. */
  RegistryFollowing NONE = new RegistryFollowing() {
    @Override
    public List<SyncStatus.Registry> status() {
      return List.of();
    }

    @Override
    public Future<WebhookAnswer> webhook(String name, Function<String, String> header, byte[] body) {
      return Future.succeededFuture(RegistrySync.unknown(name));
    }
  };
}
