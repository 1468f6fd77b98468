package dev.modelgate.gateway.schema;

/** The body of {@code POST …/aliases/{alias}/rollout/pause|resume|approve|abort}: {@code {"reason":"…"}}, optional. */
public record RolloutCommandRequest(String reason) {}
