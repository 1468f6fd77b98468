package dev.modelgate.gateway.sim;

import java.util.List;
import java.util.Map;

/**
 * A request exactly as the simulator received it, for tests that prove what a backend was sent.
 *
 * @param method HTTP method, upper case
 * @param path request path without the query
 * @param headers header values by lower-case name, in arrival order; unmodifiable
 * @param body the body decoded as UTF-8, empty when there was none
 */
public record RecordedRequest(
    String method, String path, Map<String, List<String>> headers, String body) {}
