package dev.modelgate.gateway.config;

import dev.modelgate.core.HttpUrl;
import dev.modelgate.core.Messages;
import dev.modelgate.core.Durations;
import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.gateway.config.AuthConfig.AdminToken;
import dev.modelgate.gateway.config.AuthConfig.Role;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads every top-level section but {@code models}: server, state, auth, access_log, webhooks. */
final class SettingsReader {
  private static final String PORT = "an integer from 0 to 65535";
  // The data plane reads the whole body to find "model", so it must fit one buffer.
  private static final long MAX_BODY_BYTES_LIMIT = Integer.MAX_VALUE;
  // The breaker keeps one slot per call of its window: bound it.
  private static final int MAX_BREAKER_CALLS = 10_000;
  // Below 1 KiB ordinary clients fail; above 1 MiB one connection's head is a memory attack.
  private static final int MIN_HEAD_BYTES = 1024;
  private static final int MAX_HEAD_BYTES = 1 << 20;
  private static final String HEAD_BYTES = "a number of bytes from " + MIN_HEAD_BYTES + " to " + MAX_HEAD_BYTES;
  private static final int MAX_HEADERS = 10_000;
  // Each connection is a backend process on the database server, per replica.
  private static final int MAX_POOL_SIZE = 100;
  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(^|&)password=", Pattern.CASE_INSENSITIVE);
  private static final String ENV_NAME = "letters, digits and _, not starting with a digit";
  private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}");
  private static final String TOKEN_NAME_EXPECTED = "1 to 64 of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit, e.g. ci";

  private SettingsReader() {}

  static ServerConfig server(Fields f) {
    int port = (int) f.integer("port", 0, 65535, ServerConfig.DEFAULT_PORT, PORT);
    int adminPort = (int) f.integer("admin_port", 0, 65535, ServerConfig.DEFAULT_ADMIN_PORT, PORT);
    String host = host(f, "host", ServerConfig.DEFAULT_HOST);
    String adminHost = host(f, "admin_host", ServerConfig.DEFAULT_ADMIN_HOST);
    if (port == adminPort && port != 0 && (host.equals(adminHost) || isWildcard(host) || isWildcard(adminHost))) {
      f.problems().add(f.path("admin_port"), port + " is also server.port (expected: a port of its own)");
    }
    Duration ssePing = positive(f, "sse_ping_interval", ServerConfig.DEFAULT_SSE_PING_INTERVAL);
    Duration drain = f.duration("drain_timeout", ServerConfig.DEFAULT_DRAIN_TIMEOUT);
    long maxBody = f.integer("max_body_bytes", 1, MAX_BODY_BYTES_LIMIT, ServerConfig.DEFAULT_MAX_BODY_BYTES,
        "a number of bytes from 1 to " + MAX_BODY_BYTES_LIMIT);
    Duration upstream = positive(f, "upstream_timeout", ServerConfig.DEFAULT_UPSTREAM_TIMEOUT);
    Duration connect = positive(f, "connect_timeout", ServerConfig.DEFAULT_CONNECT_TIMEOUT);
    ClientLimits clients = new ClientLimits(
        positive(f, "client_idle_timeout", ClientLimits.DEFAULT_IDLE_TIMEOUT),
        positive(f, "request_read_timeout", ClientLimits.DEFAULT_REQUEST_READ_TIMEOUT),
        (int) f.integer("max_header_bytes", MIN_HEAD_BYTES, MAX_HEAD_BYTES, ClientLimits.DEFAULT_MAX_HEADER_BYTES, HEAD_BYTES),
        (int) f.integer("max_headers", 1, MAX_HEADERS, ClientLimits.DEFAULT_MAX_HEADERS, "a number of headers from 1 to " + MAX_HEADERS),
        (int) f.integer("max_url_bytes", MIN_HEAD_BYTES, MAX_HEAD_BYTES, ClientLimits.DEFAULT_MAX_URL_BYTES, HEAD_BYTES));
    BreakerConfig breaker = circuitBreaker(f.mapping("circuit_breaker",
        "a mapping such as {failure_rate: 0.5, min_calls: 10, window: 20, open_for: 10s, half_open_probes: 3}"));
    String replicaId = f.text("replica_id", ServerConfig.DEFAULT_REPLICA_ID);
    if (!ServerConfig.REPLICA_ID.matcher(replicaId).matches()) {
      f.problems().add(f.path("replica_id"), Messages.quote(replicaId) + " (expected: " + ServerConfig.REPLICA_ID_EXPECTED + ")");
      replicaId = ServerConfig.DEFAULT_REPLICA_ID;
    }
    Fields cache = f.mapping("cache", "a mapping such as {max_bytes: 268435456}");
    long cacheMaxBytes = cache.integer("max_bytes", 0, Long.MAX_VALUE, ServerConfig.DEFAULT_CACHE_MAX_BYTES,
        "a number of bytes, 0 or more, e.g. 268435456 (0 keeps nothing)");
    cache.finish();
    f.finish();
    return new ServerConfig(port, adminPort, host, adminHost, ssePing, drain, maxBody, upstream, connect, breaker, clients, replicaId,
        cacheMaxBytes);
  }

  private static BreakerConfig circuitBreaker(Fields f) {
    String count = "an integer from 1 to " + MAX_BREAKER_CALLS;
    double failureRate = rate(f, "failure_rate", BreakerConfig.DEFAULT_FAILURE_RATE);
    int minCalls = (int) f.integer("min_calls", 1, MAX_BREAKER_CALLS, BreakerConfig.DEFAULT_MIN_CALLS, count);
    int windowCalls = BreakerConfig.DEFAULT_WINDOW_CALLS;
    Duration windowTime = null;
    JsonNode window = f.value("window");
    if (window != null && window.isIntegralNumber()) {
      windowCalls = (int) f.integer("window", 1, MAX_BREAKER_CALLS, BreakerConfig.DEFAULT_WINDOW_CALLS, "a number of calls from 1 to "
          + MAX_BREAKER_CALLS + ", or a duration in whole seconds such as 30s");
    } else if (window != null) {
      Duration d = f.duration("window", Duration.ofSeconds(30));
      if (d.isZero() || d.toNanos() % 1_000_000_000L != 0) {
        f.problems().add(f.path("window"), Durations.format(d) + " (expected: a number of calls such as 20, or whole seconds such as 30s)");
      } else {
        windowCalls = 0;
        windowTime = d;
      }
    }
    if (windowTime == null && minCalls > windowCalls) {
      f.problems().add(f.path("min_calls"), minCalls + " is more than window: " + windowCalls + " calls (expected: at most the window)");
    }
    Duration slowCallDuration = positive(f, "slow_call_duration", BreakerConfig.DEFAULT_SLOW_CALL_DURATION);
    double slowCallRate = rate(f, "slow_call_rate", BreakerConfig.DEFAULT_SLOW_CALL_RATE);
    Duration openFor = positive(f, "open_for", BreakerConfig.DEFAULT_OPEN_FOR);
    int probes = (int) f.integer("half_open_probes", 1, MAX_BREAKER_CALLS, BreakerConfig.DEFAULT_HALF_OPEN_PROBES, count);
    f.finish();
    return new BreakerConfig(failureRate, minCalls, windowCalls, windowTime, slowCallDuration, slowCallRate, openFor, probes);
  }

  // A rate of 0 would open on the first call judged; above 1 it could never open.
  private static double rate(Fields f, String key, double fallback) {
    double rate = f.number(key, fallback);
    if (!(rate > 0 && rate <= 1)) {
      f.problems().add(f.path(key), rate + " (expected: a share above 0 and at most 1, e.g. " + fallback + ")");
      return fallback;
    }
    return rate;
  }

  static StateConfig state(Fields top) {
    JsonNode value = top.value("state");
    if (value != null && value.isValueNode()) {
      // "state: postgres" is an easy guess; the key is a mapping, so show it.
      top.problems().add(top.path("state"), Fields.describe(value)
          + " (expected: a mapping such as {kind: file, dir: ./data} or {kind: postgres, url: postgresql://…})");
      return StateConfig.defaults();
    }
    Fields f = top.mapping("state", "a mapping such as {kind: file, dir: ./data}");
    String kind = f.text("kind", StateConfig.FILE);
    boolean hasDir = f.has("dir");
    String dirText = f.text("dir", StateConfig.DEFAULT_DIR.toString());
    boolean hasUrl = f.has("url");
    String url = f.text("url", null);
    String passwordEnv = f.text("password_env", null);
    boolean hasPoolSize = f.has("pool_size");
    int poolSize = (int) f.integer("pool_size", 1, MAX_POOL_SIZE, StateConfig.DEFAULT_POOL_SIZE, "an integer from 1 to " + MAX_POOL_SIZE);
    f.finish();
    switch (kind) {
      case StateConfig.FILE:
        onlyForPostgres(f, "url", hasUrl);
        onlyForPostgres(f, "password_env", passwordEnv != null);
        onlyForPostgres(f, "pool_size", hasPoolSize);
        Path dir = null;
        if (dirText.isBlank()) {
          f.problems().add(f.path("dir"), "is empty (expected: a directory, e.g. ./data)");
        } else {
          dir = path(f, "dir", dirText);
        }
        return StateConfig.file(dir == null ? StateConfig.DEFAULT_DIR : dir);
      case StateConfig.POSTGRES:
        if (hasDir) {
          f.problems().add(f.path("dir"), "is only for kind: file (expected: no dir, or kind: file)");
        }
        if (url == null) {
          f.missing("url", "a postgresql:// URL when kind is postgres");
        } else {
          postgresUrl(f, url);
        }
        if (passwordEnv != null) {
          envName(f.problems(), f.path("password_env"), passwordEnv);
        }
        return StateConfig.postgres(url == null ? "" : url, passwordEnv, poolSize);
      default:
        f.problems().add(f.path("kind"), Messages.quote(kind) + " (expected: file or postgres)");
        return StateConfig.defaults();
    }
  }

  private static void onlyForPostgres(Fields f, String key, boolean given) {
    if (given) {
      f.problems().add(f.path(key), "is only for kind: postgres (expected: no " + key + ", or kind: postgres)");
    }
  }

  // The URL ends up in logs and process listings, so a password must not be in it; nor is it echoed here.
  private static void postgresUrl(Fields f, String url) {
    String path = f.path("url");
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      f.problems().add(path, "is not a URL: " + e.getReason() + " (expected: postgresql://user@host:5432/database)");
      return;
    }
    String userInfo = uri.getRawUserInfo();
    String query = uri.getRawQuery();
    if ((userInfo != null && userInfo.contains(":")) || (query != null && PASSWORD_PARAMETER.matcher(query).find())) {
      f.problems().add(path, "has a password in it (expected: no password in the URL; name the environment variable that holds it"
          + " in " + f.path("password_env") + ")");
    } else if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      f.problems().add(path, Messages.quote(url) + " (expected: a postgresql:// or postgres:// URL)");
    } else if (uri.getHost() == null) {
      f.problems().add(path, Messages.quote(url) + " has no host (expected: postgresql://user@host:5432/database)");
    }
  }

  static AuthConfig auth(Fields top) {
    if (!top.has("auth")) {
      return AuthConfig.none();
    }
    Fields f = top.mapping("auth", "a mapping such as {admin_tokens: [{token_env: MODELGATE_ADMIN_TOKEN, role: admin}]}");
    List<AdminToken> tokens = f.has("admin_tokens") ? adminTokens(f) : AuthConfig.DEFAULT_ADMIN_TOKENS;
    List<String> clientKeysEnv = f.texts("client_keys_env", List.of());
    for (int i = 0; i < clientKeysEnv.size(); i++) {
      String at = f.path("client_keys_env") + "[" + i + "]";
      envName(f.problems(), at, clientKeysEnv.get(i));
      if (clientKeysEnv.indexOf(clientKeysEnv.get(i)) < i) {
        f.problems().add(at, clientKeysEnv.get(i) + " is listed twice");
      }
    }
    boolean requireDistinctApprover = f.flag("require_distinct_approver", false);
    f.finish();
    return new AuthConfig(tokens, clientKeysEnv, requireDistinctApprover);
  }

  private static List<AdminToken> adminTokens(Fields auth) {
    JsonNode list = auth.value("admin_tokens");
    String path = auth.path("admin_tokens");
    if (!list.isArray()) {
      auth.problems().add(path, Fields.describe(list) + " (expected: a list such as [{token_env: MODELGATE_ADMIN_TOKEN, role: admin}])");
      return List.of();
    }
    List<AdminToken> tokens = new ArrayList<>();
    Set<String> envs = new HashSet<>();
    Map<String, String> namedAt = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      Fields f = Fields.of(list.get(i), path + "[" + i + "]", "a mapping such as {token_env: MODELGATE_ADMIN_TOKEN, role: admin}", auth.problems());
      String env = f.requiredText("token_env", "the environment variable holding the token, e.g. MODELGATE_ADMIN_TOKEN");
      String roleText = f.requiredText("role", "viewer, operator or admin");
      String name = f.text("name", null);
      f.finish();
      if (!env.isEmpty()) {
        envName(f.problems(), f.path("token_env"), env);
        if (!envs.add(env)) {
          f.problems().add(f.path("token_env"), env + " is listed twice (expected: one role per token)");
        }
      }
      Role role = role(f, roleText);
      if (name != null && !TOKEN_NAME.matcher(name).matches()) {
        f.problems().add(f.path("name"), Messages.quote(name) + " (expected: " + TOKEN_NAME_EXPECTED + ")");
        continue;
      }
      if (role == null || env.isEmpty()) {
        continue;
      }
      AdminToken token = name == null ? new AdminToken(env, role) : new AdminToken(name, env, role);
      // Names are the actors of the audit log and tell approvers apart: two tokens may not share one.
      String first = namedAt.putIfAbsent(token.name(), f.path());
      if (first != null) {
        f.problems().add(name == null ? f.path() : f.path("name"), Messages.quote(token.name()) + " is already the name of " + first
            + " (expected: a distinct name per token; a token without name is named after its role)");
      }
      tokens.add(token);
    }
    return tokens;
  }

  private static Role role(Fields f, String text) {
    for (Role role : Role.values()) {
      if (role.label().equals(text)) {
        return role;
      }
    }
    if (!text.isEmpty()) {
      f.problems().add(f.path("role"), Messages.quote(text) + " (expected: viewer, operator or admin)");
    }
    return null;
  }

  static String accessLog(Fields top) {
    JsonNode value = top.value("access_log");
    String path = top.path("access_log");
    String expected = " (expected: a file path, \"-\" for stdout, or off)";
    if (value == null) {
      return GatewayConfig.DEFAULT_ACCESS_LOG;
    }
    if (value.isBoolean() && !value.booleanValue()) {
      return GatewayConfig.ACCESS_LOG_OFF;
    }
    if (!value.isTextual() || value.textValue().isBlank()) {
      top.problems().add(path, Fields.describe(value) + expected);
      return GatewayConfig.DEFAULT_ACCESS_LOG;
    }
    String text = value.textValue();
    if (!text.equals(GatewayConfig.ACCESS_LOG_STDOUT) && !text.equals(GatewayConfig.ACCESS_LOG_OFF)) {
      path(top, "access_log", text);
    }
    return text;
  }

  static List<WebhookConfig> webhooks(Fields top) {
    JsonNode list = top.value("webhooks");
    String path = top.path("webhooks");
    if (list == null) {
      return List.of();
    }
    if (!list.isArray()) {
      top.problems().add(path, Fields.describe(list) + " (expected: a list of {url, secret_env, events})");
      return List.of();
    }
    List<WebhookConfig> webhooks = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Fields f = Fields.of(list.get(i), path + "[" + i + "]", "a mapping such as {url: https://…, secret_env: HOOK_SECRET}", top.problems());
      String url = f.requiredText("url", "an http:// or https:// URL");
      String secretEnv = f.requiredText("secret_env", "the environment variable holding the signing secret");
      List<String> events = f.texts("events", WebhookConfig.EVENTS);
      f.finish();
      if (!url.isEmpty()) {
        webhookUrl(f, url);
      }
      if (!secretEnv.isEmpty()) {
        envName(f.problems(), f.path("secret_env"), secretEnv);
      }
      events(f, events);
      webhooks.add(new WebhookConfig(url, secretEnv, events));
    }
    return webhooks;
  }

  private static void webhookUrl(Fields f, String url) {
    // A webhook URL may carry credentials or a query (some receivers authenticate so); a backend's may not.
    httpUrl(f, "url", url);
  }

  /** Reports {@code url} at {@code key} unless it is an http:// or https:// URL with a host. */
  static void httpUrl(Fields f, String key, String url) {
    HttpUrl checked = HttpUrl.check(url);
    if (checked.flaw() == HttpUrl.Flaw.BAD_PORT) {
      f.problems().add(f.path(key), Messages.quote(url) + " " + checked.detail());
    } else if (!checked.reachable()) {
      String detail = checked.flaw() == HttpUrl.Flaw.NOT_A_URL ? ": " + checked.detail() : "";
      f.problems().add(f.path(key), Messages.quote(url) + " (expected: an http:// or https:// URL with a host" + detail + ")");
    }
  }

  private static void events(Fields f, List<String> events) {
    String path = f.path("events");
    if (events.isEmpty()) {
      f.problems().add(path, "is empty (expected: some of " + String.join(", ", WebhookConfig.EVENTS) + "; leave it out for all)");
    }
    for (int i = 0; i < events.size(); i++) {
      String event = events.get(i);
      String at = path + "[" + i + "]";
      if (!WebhookConfig.EVENTS.contains(event)) {
        f.problems().add(at, Messages.quote(event) + " is not an audit action " + Fields.suggestion(event, WebhookConfig.EVENTS));
      } else if (events.indexOf(event) < i) {
        f.problems().add(at, event + " is listed twice");
      }
    }
  }

  private static String host(Fields f, String key, String fallback) {
    String host = f.text(key, fallback);
    if (host.isEmpty() || host.chars().anyMatch(c -> c <= ' ')) {
      f.problems().add(f.path(key), Messages.quote(host) + " (expected: a host name or IP address, e.g. 127.0.0.1)");
      return fallback;
    }
    return host;
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  private static Duration positive(Fields f, String key, Duration fallback) {
    Duration d = f.duration(key, fallback);
    if (d.isZero()) {
      f.problems().add(f.path(key), "0s (expected: a positive duration such as " + Durations.format(fallback) + ")");
      return fallback;
    }
    return d;
  }

  /** {@code text} as a path, or {@code null} when the platform cannot name a file so (reported). */
  private static Path path(Fields f, String key, String text) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      f.problems().add(f.path(key), Messages.quote(text) + " (expected: a file path: " + e.getReason() + ")");
      return null;
    }
  }

  static void envName(Problems problems, String path, String name) {
    boolean valid = !name.isEmpty() && !(name.charAt(0) >= '0' && name.charAt(0) <= '9');
    for (int i = 0; valid && i < name.length(); i++) {
      char c = name.charAt(i);
      valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (!valid) {
      problems.add(path, Messages.quote(name) + " is not an environment variable name (expected: " + ENV_NAME + ")");
    }
  }
}
