package dev.modelgate.gateway.admin;

import dev.modelgate.gateway.auth.BearerSecrets;
import dev.modelgate.gateway.config.AuthConfig;
import dev.modelgate.gateway.config.AuthConfig.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Bearer tokens of the admin API, read from the environment variables the config names (never from
 * the file or the URL), each with a name and a role: viewer &lt; operator &lt; admin.
 */
public final class AdminAuth {
  /** Who made a call: the name of its token, which becomes the events' actor, and the role it holds. */
  public record Caller(String name, Role role) {
    public boolean mayAct(Role needed) {
      return role.ordinal() >= needed.ordinal();
    }
  }

  private static final Logger LOG = Logger.getLogger(AdminAuth.class.getName());

  // Highest role first: a secret shared by two tokens grants the higher role, as it always did.
  private final List<Caller> callers;
  private final BearerSecrets secrets;

  private AdminAuth(List<Caller> callers, BearerSecrets secrets) {
    this.callers = List.copyOf(callers);
    this.secrets = secrets;
  }

  /**
   * A token whose variable is not set is left out with a warning naming its config path: the API
   * fails closed (no token, no access), and a gateway configured only for client keys still starts.
   */
  public static AdminAuth from(AuthConfig auth, Function<String, String> environment) {
    record Loaded(Caller caller, String secret) {}
    List<Loaded> loaded = new ArrayList<>();
    for (int i = 0; i < auth.adminTokens().size(); i++) {
      AuthConfig.AdminToken token = auth.adminTokens().get(i);
      String secret = environment.apply(token.tokenEnv());
      if (secret == null || secret.isBlank()) {
        LOG.warning("auth.admin_tokens[" + i + "].token_env: environment variable " + token.tokenEnv()
            + " is not set; the " + token.role().label() + " token '" + token.name() + "' is disabled");
        continue;
      }
      loaded.add(new Loaded(new Caller(token.name(), token.role()), secret));
    }
    loaded.sort(Comparator.comparing((Loaded l) -> l.caller().role()).reversed());
    return new AdminAuth(loaded.stream().map(Loaded::caller).toList(), BearerSecrets.of(loaded.stream().map(Loaded::secret).toList()));
  }

  /** Whether any token is configured; without one the admin API is off. */
  public boolean enabled() {
    return !callers.isEmpty();
  }

  /** The caller an {@code Authorization: Bearer …} header proves, or {@code null}. */
  public Caller authenticate(String authorization) {
    int index = secrets.indexOf(authorization);
    return index < 0 ? null : callers.get(index);
  }
}
