package dev.modelgate.gateway.cli;

import dev.modelgate.core.HttpUrl;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code modelgate ctl}: the SRE's command line over the admin API (docs/admin-api.md, docs/cli.md). The connection
 * options are inherited, so they may come before or after the subcommand; every subcommand is a
 * {@link CtlSubcommand}, which maps the outcome of its calls onto the exit codes in the footer.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true,
    description = {"The SRE's command line over the admin API.",
        "Connects to $" + CtlCommand.URL_ENV + " (default " + CtlCommand.DEFAULT_URL + ") with the token in $" + CtlCommand.TOKEN_ENV + "."},
    subcommands = {CtlModelsCommand.class, CtlAliasCommand.class, CtlWeightsCommand.class, CtlPromoteCommand.class,
        CtlRollbackCommand.class, CtlRolloutCommand.class, CtlAuditCommand.class, CtlRegisterCommand.class, CtlRegistryCommand.class,
        CtlCacheCommand.class},
    footerHeading = "%nExit codes:%n",
    footer = {"  0  done", "  1  the server refused the call (its status and message are printed)", "  2  bad arguments",
        "  3  the admin API could not be reached"})
final class CtlCommand implements Runnable {
  static final String URL_ENV = "MODELGATE_ADMIN_URL";
  static final String TOKEN_ENV = "MODELGATE_ADMIN_TOKEN";
  static final String DEFAULT_URL = "http://127.0.0.1:8081";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "The admin API's base URL (default: $" + URL_ENV + " or " + DEFAULT_URL + ").")
  String url;

  @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
      description = "The admin token (default: $" + TOKEN_ENV + "). Prefer the variable: a flag is visible to every user in ps and in shell history.")
  String token;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the server's JSON as it is, for scripts.")
  boolean json;

  /** Where {@code MODELGATE_ADMIN_*} are read; tests put their own here instead of changing the process's. */
  Function<String, String> environment = System::getenv;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a command is required (models, alias, weights, promote, rollback, rollout, audit, register, cache)");
  }

  /** A client for the URL and token in force; a malformed URL is a usage error of {@code caller}. */
  AdminClient client(CommandLine caller) {
    String source = url != null ? "--url" : URL_ENV;
    String base = url != null ? url : environment.apply(URL_ENV);
    if (base == null || base.isBlank()) {
      source = "default";
      base = DEFAULT_URL;
    }
    base = base.strip();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    if (HttpUrl.check(base).flaw() != null) {
      throw new CommandLine.ParameterException(caller, source + ": '" + base + "' (expected: an http or https URL such as " + DEFAULT_URL + ")");
    }
    String secret = token != null ? token : environment.apply(TOKEN_ENV);
    return new AdminClient(base, secret == null || secret.isBlank() ? null : secret.strip());
  }
}
