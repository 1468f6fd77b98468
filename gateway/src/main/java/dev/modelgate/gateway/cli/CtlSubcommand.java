package dev.modelgate.gateway.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * A {@code ctl} subcommand: runs against the admin API and turns a {@link AdminClient.Failure} into
 * {@code modelgate ctl: <message>} on stderr and its exit code, so no subcommand handles errors itself.
 */
abstract class CtlSubcommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public final Integer call() throws InterruptedException {
    CtlCommand ctl = ctl();
    AdminClient admin = ctl.client(spec.commandLine());
    try {
      run(admin, ctl.json, spec.commandLine().getOut());
      return 0;
    } catch (AdminClient.Failure failure) {
      spec.commandLine().getErr().println("modelgate ctl: " + failure.getMessage());
      return failure.exitCode;
    }
  }

  abstract void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException;

  private CtlCommand ctl() {
    for (CommandLine.Model.CommandSpec s = spec.parent(); s != null; s = s.parent()) {
      if (s.userObject() instanceof CtlCommand ctl) {
        return ctl;
      }
    }
    throw new IllegalStateException(spec.name() + " is not under modelgate ctl");
  }

  CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /**
   * {@code KEY=VALUE} arguments in order; anything else is a usage error naming the argument, as
   * {@code what: 'arg' (expected: …)}.
   */
  Map<String, String> pairs(String what, List<String> args, String expected) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq <= 0 || eq == arg.length() - 1) {
        throw usage(what + ": '" + arg + "' (expected: " + expected + ")");
      }
      if (out.put(arg.substring(0, eq), arg.substring(eq + 1)) != null) {
        throw usage(what + ": '" + arg + "' (" + arg.substring(0, eq) + " is given twice)");
      }
    }
    return out;
  }
}
