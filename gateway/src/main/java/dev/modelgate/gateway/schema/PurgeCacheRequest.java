package dev.modelgate.gateway.schema;

/**
 * The body of {@code DELETE /admin/v1/models/{model}/cache}: none, or {@code {}}. It has no keys,
 * so any key sent is refused like an unknown key of any other body, rather than ignored.
 */
public record PurgeCacheRequest() {}
