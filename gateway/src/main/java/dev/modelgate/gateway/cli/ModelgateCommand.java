package dev.modelgate.gateway.cli;

import dev.modelgate.core.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code modelgate}: the gateway, its demo, its simulated backend and the admin command line. */
@Command(
    name = "modelgate",
    mixinStandardHelpOptions = true,
    version = "modelgate 0.1.0",
    description = "OpenAI-compatible inference gateway: alias routing, canary splits, SLO-guarded rollback.")
public final class ModelgateCommand implements Runnable {
  /** Exit code for bad flags or a bad config file: nothing was started. */
  static final int USAGE = 2;
  /** Exit code when start-up failed at run time (a port in use, say). */
  static final int FAILED = 1;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (serve, demo, sim, ctl, state)");
  }

  /**
   * The command line with modelgate's conventions: usage errors exit 2 and name the flag; durations
   * take the config file's syntax ({@code 250ms}, {@code 15s}, {@code 10m}).
   */
  public static CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * The command line for {@code args}: when the first names a command (other than help, which
   * describes the others), only that command is built.
   * picocli reads every command's annotations up front, and the whole tree (ctl's included) costs
   * ~0.1 s of {@code serve}'s start-up.
   */
  public static CommandLine commandLine(String[] args) {
    Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
    commands.put("serve", ServeCommand::new);
    commands.put("demo", DemoCommand::new);
    commands.put("sim", SimCommand::new);
    commands.put("ctl", CtlCommand::new);
    commands.put("state", StateCommand::new);
    commands.put("help", CommandLine.HelpCommand::new);
    CommandLine commandLine = new CommandLine(new ModelgateCommand());
    Supplier<Object> named = args != null && args.length > 0 && !args[0].equals("help") ? commands.get(args[0]) : null;
    if (named != null) {
      commandLine.addSubcommand(args[0], named.get());
    } else {
      commands.forEach((name, command) -> commandLine.addSubcommand(name, command.get()));
    }
    return commandLine
        .registerConverter(Duration.class, Durations::parse)
        .setCaseInsensitiveEnumValuesAllowed(true);
  }
}
