package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The {@code auth} section. No section at all means no admin tokens: the admin port then answers
 * only {@code /metrics}, {@code /healthz} and {@code /readyz}. A section without {@code
 * admin_tokens} gets {@link #DEFAULT_ADMIN_TOKENS}.
 *
 * @param adminTokens bearer tokens of the admin API, each read from an environment variable
 * @param clientKeysEnv environment variables holding accepted client API keys; empty: no client
 *     key is required on the data plane
 */
public record AuthConfig(List<AdminToken> adminTokens, List<String> clientKeysEnv) {
  public static final String DEFAULT_TOKEN_ENV = "MODELGATE_ADMIN_TOKEN";
  public static final List<AdminToken> DEFAULT_ADMIN_TOKENS = List.of(new AdminToken(DEFAULT_TOKEN_ENV, Role.ADMIN));

  public AuthConfig {
    adminTokens = List.copyOf(adminTokens);
    clientKeysEnv = List.copyOf(clientKeysEnv);
  }

  /** No {@code auth} section: no admin token, no client key. */
  public static AuthConfig none() {
    return new AuthConfig(List.of(), List.of());
  }

  /**
   * An admin bearer token: the value of environment variable {@code tokenEnv}, granting {@code role}.
   */
  public record AdminToken(String tokenEnv, Role role) {
    public AdminToken {
      requireNonNull(tokenEnv, "tokenEnv");
      requireNonNull(role, "role");
    }
  }

  /**
   * Admin API roles, each allowed what the ones before it are (SPEC §4); written in lower case in
   * YAML.
   */
  public enum Role {
    /** GET only. */
    VIEWER,
    /** Also weights, promote, rollback. */
    OPERATOR,
    /** Also registering versions. */
    ADMIN
  }
}
