package dev.modelgate.gateway.admin;

import dev.modelgate.gateway.config.AuthConfig;
import dev.modelgate.gateway.config.AuthConfig.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Bearer tokens of the admin API, read from the environment variables the config names (never from
 * the file or the URL), each with a role: viewer &lt; operator &lt; admin.
 */
public final class AdminAuth {
  private record Token(byte[] secret, Role role, String name) {}

  /** Who made a call: the role it holds and the name of the variable its token came from. */
  public record Caller(Role role, String name) {
    public boolean mayAct(Role needed) {
      return role.ordinal() >= needed.ordinal();
    }
  }

  private static final Logger LOG = Logger.getLogger(AdminAuth.class.getName());

  private final List<Token> tokens;

  private AdminAuth(List<Token> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  /**
   * A token whose variable is not set is left out with a warning naming its config path: the API
   * fails closed (no token, no access), and a gateway configured only for client keys still starts.
   */
  public static AdminAuth from(AuthConfig auth, Function<String, String> environment) {
    List<Token> tokens = new ArrayList<>();
    for (int i = 0; i < auth.adminTokens().size(); i++) {
      AuthConfig.AdminToken token = auth.adminTokens().get(i);
      String secret = environment.apply(token.tokenEnv());
      if (secret == null || secret.isBlank()) {
        LOG.warning("auth.admin_tokens[" + i + "].token_env: environment variable " + token.tokenEnv()
            + " is not set; that " + token.role().name().toLowerCase() + " token is disabled");
        continue;
      }
      tokens.add(new Token(secret.strip().getBytes(StandardCharsets.UTF_8), token.role(), token.tokenEnv()));
    }
    return new AdminAuth(tokens);
  }

  /** Whether any token is configured; without one the admin API is off. */
  public boolean enabled() {
    return !tokens.isEmpty();
  }

  /**
   * The caller an {@code Authorization: Bearer …} header proves, or {@code null}. Every token is
   * compared in constant time, so timing tells nothing about near misses.
   */
  public Caller authenticate(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    byte[] presented = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    Token match = null;
    for (Token token : tokens) {
      if (MessageDigest.isEqual(token.secret(), presented) && (match == null || token.role().ordinal() > match.role().ordinal())) {
        match = token;
      }
    }
    return match == null ? null : new Caller(match.role(), match.name());
  }
}
