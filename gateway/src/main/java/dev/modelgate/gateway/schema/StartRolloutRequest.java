package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The body of {@code POST …/aliases/{alias}/rollouts}: {@code {"version":"v9","reason":"…"}} starts rolling the alias out to that version. */
public record StartRolloutRequest(
    @Required @JsonPropertyDescription("the version id to roll out, e.g. v9") String version,
    String reason) {}
