package dev.modelgate.core;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend base URL, its live load (requests outstanding) and the {@link EndpointGate} that
 * decides whether it takes traffic. The parsed address is immutable; the load and the gate's state
 * outlive a routing snapshot, so {@link RoutingTable} carries an endpoint object over to the next
 * snapshot by URL.
 */
public final class Endpoint {
  private final String url;
  private final boolean ssl;
  private final String host;
  private final int port;
  private final String hostHeader;
  private final String basePath;
  private final boolean basePathIsV1;
  private final AtomicInteger outstanding = new AtomicInteger();
  private final EndpointGate gate;

  private Endpoint(String url, URI uri, EndpointGate gate) {
    this.url = url;
    this.gate = gate;
    this.ssl = uri.getScheme().equalsIgnoreCase("https");
    String literal = uri.getHost();
    // Socket addresses take an IPv6 literal without the brackets a URL needs.
    this.host = literal.startsWith("[") ? literal.substring(1, literal.length() - 1) : literal;
    this.port = uri.getPort() >= 0 ? uri.getPort() : (ssl ? 443 : 80);
    this.hostHeader = uri.getPort() >= 0 ? literal + ":" + port : literal;
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.basePathIsV1 = basePath.endsWith("/v1");
  }

  /**
   * Parses a base URL such as {@code http://127.0.0.1:8000} or {@code https://api.example/v1}.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static Endpoint parse(String url) {
    return parse(url, EndpointGate.UNGUARDED);
  }

  /** Like {@link #parse(String)}, with the gate that decides whether it takes traffic. */
  public static Endpoint parse(String url, EndpointGate gate) {
    requireNonNull(gate, "gate");
    HttpUrl checked = HttpUrl.check(url);
    String problem = problem(url, checked);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return new Endpoint(url, checked.uri(), gate);
  }

  /** Why {@code url} cannot be a backend base URL, or {@code null} when it can. */
  public static String urlProblem(String url) {
    return problem(url, HttpUrl.check(url));
  }

  private static String problem(String url, HttpUrl checked) {
    if (checked.flaw() == null) {
      return null;
    }
    String quoted = "'" + url + "'";
    return switch (checked.flaw()) {
      case NOT_A_URL -> quoted + " is not a URL: " + checked.detail();
      case NOT_HTTP -> quoted + " (expected: an http:// or https:// base URL)";
      case NO_HOST, BAD_PORT -> quoted + " " + checked.detail();
      case CREDENTIALS -> quoted + " carries credentials (expected: none in the URL; use api_key_env)";
      case QUERY_OR_FRAGMENT -> quoted + " has a query or fragment (expected: a base URL only)";
    };
  }

  /**
   * The upstream request path for a client path such as {@code /v1/chat/completions}. A base URL
   * that already ends in {@code /v1} (the OpenAI SDK convention) does not get a second one.
   */
  public String upstreamPath(String clientPath) {
    if (basePathIsV1 && clientPath.startsWith("/v1/")) {
      return basePath + clientPath.substring(3);
    }
    // Most base URLs have no path: the client's path as it is, not a copy per request.
    return basePath.isEmpty() ? clientPath : basePath + clientPath;
  }

  public String url() {
    return url;
  }

  public boolean ssl() {
    return ssl;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The {@code Host} header for requests to this endpoint: its host, and its port when the URL names one. */
  public String hostHeader() {
    return hostHeader;
  }

  public int outstanding() {
    return outstanding.get();
  }

  /** Call when a request is sent here; pair with exactly one {@link #finished()}. */
  public void started() {
    outstanding.incrementAndGet();
  }

  public void finished() {
    outstanding.decrementAndGet();
  }

  public EndpointGate gate() {
    return gate;
  }

  public boolean isAvailable(long nowNanos) {
    return gate.admits(nowNanos);
  }

  @Override
  public String toString() {
    return url;
  }
}
