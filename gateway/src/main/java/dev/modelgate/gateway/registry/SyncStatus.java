package dev.modelgate.gateway.registry;

import java.util.List;
import java.util.Map;

/**
 * {@code GET /admin/v1/registry}: per registry, how its sync stands (docs/registry-sync.md). Times are
 * ISO-8601 UTC text, {@code null} for never.
 */
public final class SyncStatus {
  private SyncStatus() {}

  /** {@code {"registries": […]}}. */
  public record Answer(List<Registry> registries) {}

  /**
   * @param lagSeconds seconds since the registry was last read successfully: how stale this
   *     gateway's view of it may be; {@code null} before the first success
   * @param webhooks whether its webhooks are accepted (a secret is configured)
   * @param pendingWriteBacks outcomes not yet written to the registry, retried on every poll
   */
  public record Registry(
      String name,
      String kind,
      String url,
      String pollInterval,
      boolean webhooks,
      boolean polling,
      String lastSuccess,
      String lastError,
      String lastErrorAt,
      Double lagSeconds,
      List<Followed> followed,
      List<WriteBack> pendingWriteBacks) {}

  /**
   * One followed alias: where the registry alias points ({@code there}) and what this alias does ({@code here}).
   *
   * @param registryVersion the registry's number for the version its alias is on; {@code null} when unset or not read yet
   * @param summary what the last sync found or did
   */
  public record Followed(
      String model,
      String alias,
      String path,
      String registryAlias,
      Long registryVersion,
      Here here,
      String lastSync,
      String summary,
      String error) {}

  /** The alias here: {@code null} weights and stable before its first sync. */
  public record Here(Map<String, Integer> weights, String stable, Long revision, String rolloutVersion, String rolloutState) {}

  /** A write-back still to do. */
  public record WriteBack(String what, int attempts, String lastError) {}
}
