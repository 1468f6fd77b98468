package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.regex.Pattern;

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
 * @param replicaId names this replica in a fleet: its start-up log line and its database connections
 * @param cacheMaxBytes {@code cache.max_bytes}: what all cached answers together may weigh
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
    ClientLimits clients,
    String replicaId,
    long cacheMaxBytes) {

  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_ADMIN_PORT = 8081;
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final String DEFAULT_ADMIN_HOST = "127.0.0.1";
  public static final Duration DEFAULT_SSE_PING_INTERVAL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  public static final long DEFAULT_MAX_BODY_BYTES = 10_485_760L;
  public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(120);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final long DEFAULT_CACHE_MAX_BYTES = 268_435_456L;
  /**
   * What a replica id may be: it goes into logs and, prefixed, into PostgreSQL's 63-byte {@code
   * application_name} as it is.
   */
  public static final Pattern REPLICA_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,39}");
  public static final String REPLICA_ID_EXPECTED = "1 to 40 of A-Z a-z 0-9 . _ -, starting with a letter or digit, e.g. gw-1";
  /** {@code <hostname>-<pid>}, made to fit {@link #REPLICA_ID}: unique per process on one network, stable within one. */
  public static final String DEFAULT_REPLICA_ID = hostReplicaId();

  public ServerConfig {
    requireNonNull(host, "host");
    requireNonNull(adminHost, "adminHost");
    requireNonNull(ssePingInterval, "ssePingInterval");
    requireNonNull(drainTimeout, "drainTimeout");
    requireNonNull(upstreamTimeout, "upstreamTimeout");
    requireNonNull(connectTimeout, "connectTimeout");
    requireNonNull(circuitBreaker, "circuitBreaker");
    requireNonNull(clients, "clients");
    if (!REPLICA_ID.matcher(requireNonNull(replicaId, "replicaId")).matches()) {
      throw new IllegalArgumentException("replicaId: " + replicaId + " (expected: " + REPLICA_ID_EXPECTED + ")");
    }
    if (cacheMaxBytes < 0) {
      throw new IllegalArgumentException("cacheMaxBytes: " + cacheMaxBytes + " (expected: 0 or more)");
    }
  }

  /**
   * Every documented default: 8080, 8081, 0.0.0.0, 127.0.0.1, 15s, 30s, 10 MiB, 120s, 2s, the breaker's,
   * {@link ClientLimits#defaults()}, {@link #DEFAULT_REPLICA_ID} and a 256 MiB cache.
   */
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
        ClientLimits.defaults(),
        DEFAULT_REPLICA_ID,
        DEFAULT_CACHE_MAX_BYTES);
  }

  /** This config listening elsewhere, e.g. on the ports a demo or a test picked. */
  public ServerConfig withPorts(int port, int adminPort) {
    return new ServerConfig(port, adminPort, host, adminHost, ssePingInterval, drainTimeout, maxBodyBytes, upstreamTimeout,
        connectTimeout, circuitBreaker, clients, replicaId, cacheMaxBytes);
  }

  private static String hostReplicaId() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "modelgate";
      }
    }
    String pid = "-" + ProcessHandle.current().pid();
    String safe = host.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
    if (safe.isEmpty()) {
      safe = "modelgate";
    }
    return safe.substring(0, Math.min(safe.length(), 40 - pid.length())) + pid;
  }
}
