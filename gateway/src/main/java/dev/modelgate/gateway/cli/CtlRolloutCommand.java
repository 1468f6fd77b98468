package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelgate ctl rollout start|status|pause|resume|approve|abort M A …} (docs/cli.md#rollouts). */
@Command(name = "rollout", mixinStandardHelpOptions = true, description = "Roll an alias out to a new version step by step, and steer it.",
    subcommands = {CtlRolloutCommand.Start.class, CtlRolloutCommand.Status.class, CtlRolloutCommand.Pause.class,
        CtlRolloutCommand.Resume.class, CtlRolloutCommand.Approve.class, CtlRolloutCommand.Abort.class})
final class CtlRolloutCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (start, status, pause, resume, approve, abort)");
  }

  /** The alias a rollout command is about. */
  abstract static class OnAlias extends CtlSubcommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "ALIAS")
    String alias;

    String rollout() {
      return CtlPaths.alias(model, alias) + "/rollout";
    }

    static void print(AdminClient.Answer answer, boolean json, PrintWriter out) {
      if (json) {
        out.println(answer.body());
      } else {
        CtlOutput.rollout(answer.json(), out);
      }
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start rolling the alias out to VERSION by its rollout plan.")
  static final class Start extends OnAlias {
    @Parameters(index = "2", paramLabel = "VERSION")
    String version;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit log.")
    String reason;

    @Override
    void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("version", version);
      if (reason != null) {
        body.put("reason", reason);
      }
      print(admin.send("POST", CtlPaths.alias(model, alias) + "/rollouts", body), json, out);
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Show the alias's latest rollout: state, step and percent, the gate's figures against their limits, time to the next step.",
          "With --watch, redraw it until the rollout ends (plain lines, one per change, when the output is not a terminal)."})
  static final class Status extends OnAlias {
    @Option(names = "--watch", description = "Keep showing it until the rollout ends.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s", description = "How often --watch reads it (default: ${DEFAULT-VALUE}).")
    String interval;

    // Tests watch a rollout as a terminal would show it.
    boolean terminal = System.console() != null;

    @Override
    void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
      if (!watch) {
        print(admin.get(rollout()), json, out);
        return;
      }
      Duration every = every();
      String shown = null;
      while (true) {
        AdminClient.Answer answer = admin.get(rollout());
        JsonNode view = answer.json();
        if (json) {
          out.println(answer.body());
        } else if (terminal) {
          // Clear the screen and redraw in place, like watch(1).
          out.print("\033[H\033[2J");
          CtlOutput.rollout(view, out);
        } else {
          String line = CtlOutput.rolloutLine(view);
          if (!line.equals(shown)) {
            out.println(line);
            shown = line;
          }
        }
        out.flush();
        if (CtlOutput.rolloutEnded(view)) {
          return;
        }
        Thread.sleep(every.toMillis());
      }
    }

    private Duration every() {
      try {
        Duration every = dev.modelgate.core.Durations.parse(interval);
        if (!every.isNegative() && !every.isZero()) {
          return every;
        }
      } catch (IllegalArgumentException e) {
        // Reported below with the flag's name.
      }
      throw usage("--interval: '" + interval + "' (expected: a positive duration such as 2s or 500ms)");
    }
  }

  /** pause, resume, approve and abort: one call each, to the path named like the command, an optional reason. */
  abstract static class Steer extends OnAlias {
    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit log.")
    String reason;

    @Override
    void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      if (reason != null) {
        body.put("reason", reason);
      }
      print(admin.send("POST", rollout() + "/" + spec.name(), body), json, out);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Hold the rollout at its step; a breach still rolls it back.")
  static final class Pause extends Steer {}

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let a paused rollout advance again.")
  static final class Resume extends Steer {}

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Start the step that waits for an approval.")
  static final class Approve extends Steer {}

  @Command(name = "abort", mixinStandardHelpOptions = true, description = "Stop the rollout; the previous stable version gets 100 %% again.")
  static final class Abort extends Steer {}
}
