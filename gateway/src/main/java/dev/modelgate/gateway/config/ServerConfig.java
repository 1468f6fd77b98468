package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The {@code server} section: where the gateway listens and how long it waits.
 *
 * @param port data plane port; 0 picks a free one (tests)
 * @param adminPort admin API, {@code /metrics} and health port; 0 picks a free one
 * @param adminHost the only address the admin API listens on
 * @param ssePingInterval how often a {@code : ping} comment is sent while a stream waits for its
 *     first token
 * @param drainTimeout on SIGTERM, how long in-flight requests and streams may take to finish
 * @param upstreamTimeout the whole response; for streams, the time between chunks
 * @param circuitBreaker when an endpoint stops getting traffic
 * @param clients what one client may cost either listener
 */
public record ServerConfig(
    int port,
    int adminPort,
    String host,
    String adminHost,
    Duration ssePingInterval,
    Duration drainTimeout,
    long maxBodyBytes,
    Duration upstreamTimeout,
    Duration connectTimeout,
    BreakerConfig circuitBreaker,
    ClientLimits clients) {

  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_ADMIN_PORT = 8081;
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final String DEFAULT_ADMIN_HOST = "127.0.0.1";
  public static final Duration DEFAULT_SSE_PING_INTERVAL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  public static final long DEFAULT_MAX_BODY_BYTES = 10_485_760L;
  public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(120);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  public ServerConfig {
    requireNonNull(host, "host");
    requireNonNull(adminHost, "adminHost");
    requireNonNull(ssePingInterval, "ssePingInterval");
    requireNonNull(drainTimeout, "drainTimeout");
    requireNonNull(upstreamTimeout, "upstreamTimeout");
    requireNonNull(connectTimeout, "connectTimeout");
    requireNonNull(circuitBreaker, "circuitBreaker");
    requireNonNull(clients, "clients");
  }

  /** Every documented default: 8080, 8081, 0.0.0.0, 127.0.0.1, 15s, 30s, 10 MiB, 120s, 2s, the breaker's and {@link ClientLimits#defaults()}. */
  public static ServerConfig defaults() {
    return new ServerConfig(
        DEFAULT_PORT,
        DEFAULT_ADMIN_PORT,
        DEFAULT_HOST,
        DEFAULT_ADMIN_HOST,
        DEFAULT_SSE_PING_INTERVAL,
        DEFAULT_DRAIN_TIMEOUT,
        DEFAULT_MAX_BODY_BYTES,
        DEFAULT_UPSTREAM_TIMEOUT,
        DEFAULT_CONNECT_TIMEOUT,
        BreakerConfig.defaults(),
        ClientLimits.defaults());
  }
}
