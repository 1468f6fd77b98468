package dev.modelgate.gateway.cli;

import dev.modelgate.core.Durations;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code modelgate}: the gateway, its demo, its simulated backend and the admin command line. */
@Command(
    name = "modelgate",
    mixinStandardHelpOptions = true,
    version = "modelgate 0.1.0",
    description = "OpenAI-compatible inference gateway: alias routing, canary splits, SLO-guarded rollback.",
    subcommands = {ServeCommand.class, DemoCommand.class, SimCommand.class, CtlCommand.class, CommandLine.HelpCommand.class})
public final class ModelgateCommand implements Runnable {
  /** Exit code for bad flags or a bad config file: nothing was started. */
  static final int USAGE = 2;
  /** Exit code when start-up failed at run time (a port in use, say). */
  static final int FAILED = 1;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (serve, demo, sim, ctl)");
  }

  /**
   * The command line with modelgate's conventions: usage errors exit 2 and name the flag; durations
   * take the config file's syntax ({@code 250ms}, {@code 15s}, {@code 10m}).
   */
  public static CommandLine commandLine() {
    return new CommandLine(new ModelgateCommand())
        .registerConverter(Duration.class, Durations::parse)
        .setCaseInsensitiveEnumValuesAllowed(true);
  }
}
