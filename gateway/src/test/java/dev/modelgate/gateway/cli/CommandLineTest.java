package dev.modelgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line in process. Only commands that must fail before starting anything run here:
 * {@code demo} binds fixed ports and a successful {@code serve} blocks until the JVM stops.
 */
@Timeout(60)
class CommandLineTest {
  @TempDir
  Path dir;

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = ModelgateCommand.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  /** {@code serve} reports a bad config on {@link System#err} itself, not through picocli. */
  private static Run serve(String... args) {
    ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
    Run run;
    try {
      String[] serveArgs = new String[args.length + 1];
      serveArgs[0] = "serve";
      System.arraycopy(args, 0, serveArgs, 1, args.length);
      run = run(serveArgs);
    } finally {
      System.setErr(originalErr);
    }
    return new Run(run.exitCode, run.out, run.err + systemErr.toString(StandardCharsets.UTF_8));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static void assertCanBind(int port) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(socket.isBound()).isTrue();
    }
  }

  @Test
  void serveRefusesAnInvalidConfigListingEveryProblemWithItsPathAndStartsNothing() throws Exception {
    int port = freePort();
    int adminPort = freePort();
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, """
        server: {port: %d, admin_port: %d, host: 127.0.0.1, upstream_timeout: soon}
        acess_log: off
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: sa, endpoints: ["ftp://127.0.0.1:9001"]}
            aliases:
              production: {wieghts: {v7: 100}, stable: v7}
        """.formatted(port, adminPort));

    Run run = serve("--config", config.toString());

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err)
        .contains("invalid configuration, nothing started")
        .contains(config.toString())
        .contains("server.upstream_timeout")
        .contains("acess_log")
        .contains("models.support-agent.versions.v7.endpoints")
        .contains("models.support-agent.aliases.production.wieghts");
    assertCanBind(port);
    assertCanBind(adminPort);
  }

  @Test
  void serveRefusesAMissingFileSayingItCannotBeRead() {
    Path missing = dir.resolve("no-such.yaml");

    Run run = serve("--config", missing.toString());

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains(missing.toString()).contains("cannot be read");
  }

  @Test
  void serveRefusesAClientKeyVariableThatIsNotSetAndLeavesThePortFree() throws Exception {
    int port = freePort();
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, """
        server: {port: %d, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        auth: {client_keys_env: [MODELGATE_TEST_SURELY_UNSET_KEY_4F2A]}
        models:
          support-agent:
            versions:
              v7: {artifact: "s3://m/v7", served_model: sa, endpoints: ["http://127.0.0.1:9001"]}
            aliases:
              production: {weights: {v7: 100}, stable: v7}
        """.formatted(port));

    Run run = serve("--config", config.toString());

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains("auth.client_keys_env[0]").contains("MODELGATE_TEST_SURELY_UNSET_KEY_4F2A");
    assertCanBind(port);
  }

  @Test
  void serveWithoutConfigIsAUsageError() {
    Run run = serve();

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains("--config");
  }

  @Test
  void simRefusesAnErrorRateAboveOneNamingTheFlag() {
    Run run = run("sim", "--port", "0", "--error-rate", "2");

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains("--error-rate").contains("2.0");
  }

  @Test
  void simRefusesZeroTokens() {
    Run run = run("sim", "--port", "0", "--tokens", "0");

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains("--tokens");
  }

  @Test
  void simRefusesANegativeLatencyAndAPortOutOfRange() {
    assertThat(run("sim", "--port", "0", "--ttft-ms", "-1").err).contains("--ttft-ms");
    assertThat(run("sim", "--port", "70000").exitCode).isEqualTo(2);
    assertThat(run("sim", "--port", "0", "--tokens", "many").err).contains("--tokens");
  }

  @Test
  void demoRefusesADurationItCannotReadNamingTheFlag() {
    Run run = run("demo", "--duration", "abc");

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains("--duration").contains("abc");
  }

  @Test
  void anUnknownSubcommandIsAUsageError() {
    Run run = run("launch");

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains("launch");
  }

  @Test
  void noSubcommandAtAllIsAUsageError() {
    Run run = run();

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains("a command is required");
  }

  @Test
  void printsVersionAndHelpWithExitCodeZero() {
    Run version = run("--version");
    Run help = serve("--help");

    assertThat(version.exitCode).isZero();
    assertThat(version.out).contains("modelgate 0.1.0");
    assertThat(help.exitCode).isZero();
    assertThat(help.out).contains("--config");
  }

  /** docs/cli.md is written from these: every command of the tree, leaves and groups, prints its usage for --help. */
  @Test
  void everyCommandAnswersHelpWithItsUsageAndExitCodeZero() {
    List<List<String>> commands = new ArrayList<>();
    collect(ModelgateCommand.commandLine(), new ArrayList<>(), commands);
    assertThat(commands).contains(List.of("ctl", "register"), List.of("ctl", "rollout", "approve"), List.of("state", "import"));
    for (List<String> command : commands) {
      List<String> args = new ArrayList<>(command);
      args.add("--help");

      Run help = run(args.toArray(String[]::new));

      assertThat(help.exitCode).as(String.join(" ", args) + ": " + help.err).isZero();
      assertThat(help.out).as(String.join(" ", args)).startsWith("Usage: modelgate " + String.join(" ", command));
    }
  }

  /** docs/cli.md names every command and every option --help shows (the standard help and version ones aside). */
  @Test
  void theCommandLineReferenceNamesEveryCommandAndOption() throws IOException {
    String reference = Files.readString(Path.of("..", "docs", "cli.md"));
    CommandLine root = ModelgateCommand.commandLine();
    List<List<String>> commands = new ArrayList<>();
    collect(root, new ArrayList<>(), commands);
    for (List<String> command : commands) {
      CommandLine found = root;
      for (String name : command) {
        found = found.getSubcommands().get(name);
      }
      assertThat(reference).as("the command " + command).contains(command.get(command.size() - 1));
      for (CommandLine.Model.OptionSpec option : found.getCommandSpec().options()) {
        if (!option.usageHelp() && !option.versionHelp() && !option.hidden()) {
          assertThat(reference).as(command + " " + option.longestName()).contains(option.longestName());
        }
      }
    }
  }

  private static void collect(CommandLine commandLine, List<String> path, List<List<String>> into) {
    commandLine.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help")) {
        List<String> subPath = new ArrayList<>(path);
        subPath.add(name);
        into.add(subPath);
        collect(sub, subPath, into);
      }
    });
  }
}
