package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;

/**
 * The {@code auth} section. No section at all means no admin tokens: the admin port then answers
 * only {@code /metrics}, {@code /healthz} and {@code /readyz}. A section without {@code
 * admin_tokens} gets {@link #DEFAULT_ADMIN_TOKENS}.
 *
 * @param adminTokens bearer tokens of the admin API, each read from an environment variable
 * @param clientKeysEnv environment variables holding accepted client API keys; empty: no client
 *     key is required on the data plane
 * @param requireDistinctApprover whether a rollout's approval must come from another token name
 *     than the one that started it (read now; rollouts come later)
 */
public record AuthConfig(List<AdminToken> adminTokens, List<String> clientKeysEnv, boolean requireDistinctApprover) {
  public static final String DEFAULT_TOKEN_ENV = "MODELGATE_ADMIN_TOKEN";
  public static final List<AdminToken> DEFAULT_ADMIN_TOKENS = List.of(new AdminToken(DEFAULT_TOKEN_ENV, Role.ADMIN));

  public AuthConfig {
    adminTokens = List.copyOf(adminTokens);
    clientKeysEnv = List.copyOf(clientKeysEnv);
  }

  /** No {@code auth} section: no admin token, no client key. */
  public static AuthConfig none() {
    return new AuthConfig(List.of(), List.of(), false);
  }

  /**
   * An admin bearer token: the value of environment variable {@code tokenEnv}, granting {@code role}.
   * Its {@code name} is the actor of the events it causes.
   */
  public record AdminToken(String name, String tokenEnv, Role role) {
    public AdminToken {
      requireNonNull(name, "name");
      requireNonNull(tokenEnv, "tokenEnv");
      requireNonNull(role, "role");
    }

    /** A token without a name is named after its role (docs/admin-api.md). */
    public AdminToken(String tokenEnv, Role role) {
      this(role.label(), tokenEnv, role);
    }
  }

  /**
   * Admin API roles, each allowed what the ones before it are (docs/admin-api.md); written in lower case in
   * YAML.
   */
  public enum Role {
    /** GET only. */
    VIEWER,
    /** Also weights, promote, rollback. */
    OPERATOR,
    /** Also registering versions. */
    ADMIN;

    /** How the config, the admin API and messages write it: {@code viewer}, {@code operator}, {@code admin}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
