package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What a client may cost a listener (data plane and admin alike): how long a connection may sit
 * without a request, how long a request may take to arrive, and how large its head may be. A client
 * that trickles its request a byte at a time holds a connection for a bounded time only.
 *
 * @param idleTimeout a connection with no request for this long (after it opened, or after the
 *     last response) is closed; this also bounds how long a request's head may take to arrive
 * @param requestReadTimeout a request's body must have arrived this long after its head, else 408
 * @param maxHeaderBytes the request head's header lines in bytes, else 431
 * @param maxHeaders the number of header lines, else 431
 * @param maxUrlBytes the request line (method, URL and version) in bytes, else 414
 */
public record ClientLimits(Duration idleTimeout, Duration requestReadTimeout, int maxHeaderBytes, int maxHeaders, int maxUrlBytes) {
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_REQUEST_READ_TIMEOUT = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
  public static final int DEFAULT_MAX_HEADERS = 100;
  public static final int DEFAULT_MAX_URL_BYTES = 8 * 1024;

  public ClientLimits {
    requireNonNull(idleTimeout, "idleTimeout");
    requireNonNull(requestReadTimeout, "requestReadTimeout");
  }

  /** 60s, 60s, 16 KiB, 100 headers, 8 KiB. */
  public static ClientLimits defaults() {
    return new ClientLimits(DEFAULT_IDLE_TIMEOUT, DEFAULT_REQUEST_READ_TIMEOUT, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS,
        DEFAULT_MAX_URL_BYTES);
  }
}
