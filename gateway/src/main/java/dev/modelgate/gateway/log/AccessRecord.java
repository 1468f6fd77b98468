package dev.modelgate.gateway.log;

/**
 * One answered request, as written to the access log. Fields the request never reached are
 * {@code null} (an unknown model has no version); token counts are {@code null} when the backend
 * reported none.
 *
 * @param segment the alias's segment that routed the request, or {@code null}
 * @param cache {@code hit} or {@code miss} on a route with a cache, {@code null} elsewhere
 */
public record AccessRecord(
    long epochMillis,
    String requestId,
    String method,
    String path,
    String model,
    String alias,
    String version,
    String artifact,
    String route,
    String endpoint,
    int status,
    double latencyMs,
    Double ttftMs,
    Long promptTokens,
    Long completionTokens,
    String error,
    String segment,
    String cache) {}
