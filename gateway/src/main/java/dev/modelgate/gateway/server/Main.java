package dev.modelgate.gateway.server;

import dev.modelgate.gateway.cli.ModelgateCommand;
import picocli.CommandLine;

/** The executable jar's entry point: {@code java -jar modelgate.jar <command>}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // One line per record, ISO time first: readable in a terminal and greppable in a log file.
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
    // Netty's allocator registers its JFR event types on the first buffer it allocates (~0.3 s of CPU on
    // the first request, /readyz included); they only matter while recording, so opt in with
    // -Dio.netty.jfr.enabled=true.
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    System.exit(ModelgateCommand.commandLine(args).execute(args));
  }
}
