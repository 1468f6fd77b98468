package dev.modelgate.gateway.cli;

import static dev.modelgate.gateway.cli.AdminClient.encode;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelgate ctl audit}: the audit log, oldest first. {@code --follow} pages through every
 * event after {@code --since} and then asks for newer ones every second ({@code since=<last seq>}),
 * like {@code tail -f}, until interrupted; with {@code --json} it prints one event per line.
 */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Show the audit log, oldest first; --follow waits for new events.")
final class CtlAuditCommand extends CtlSubcommand {
  // The server's maximum page: following reads everything, so in as few calls as it allows.
  private static final int FOLLOW_PAGE = 1000;

  @Option(names = "--model", paramLabel = "MODEL", description = "Only this model's events.")
  String model;

  @Option(names = "--alias", paramLabel = "ALIAS", description = "Only this alias's events.")
  String alias;

  @Option(names = "--since", paramLabel = "SEQ|TIME", description = "Only events after this seq or ISO-8601 time (2026-11-28T10:00:00Z).")
  String since;

  @Option(names = "--limit", paramLabel = "N", description = "At most N events, 1 to 1000 (default: the server's, 100); not with --follow.")
  Integer limit;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new events as they happen, until interrupted.")
  boolean follow;

  @Option(names = "--poll-interval", hidden = true, defaultValue = "1s")
  Duration pollInterval;

  // Lets a test end --follow on its own; a user ends it with Ctrl-C.
  @Option(names = "--max-polls", hidden = true, defaultValue = "" + Long.MAX_VALUE)
  long maxPolls;

  @Override
  void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
    if (!follow) {
      AdminClient.Answer answer = admin.get(path(since, limit));
      if (json) {
        out.println(answer.body());
      } else {
        Table table = CtlOutput.auditTable(answer.json().path("events"));
        if (table.isEmpty()) {
          out.println("no audit events");
        } else {
          table.print(out);
        }
      }
      return;
    }
    if (limit != null) {
      throw usage("--limit: not with --follow, which prints every event after --since");
    }
    if (!json) {
      new Table(CtlOutput.AUDIT_HEADER).minWidths(CtlOutput.AUDIT_WIDTHS).print(out);
    }
    String cursor = since;
    try {
      for (long poll = 1; ; poll++) {
        cursor = printNewEvents(admin, cursor, json, out);
        if (poll >= maxPolls) {
          return;
        }
        Thread.sleep(pollInterval.toMillis());
      }
    } catch (InterruptedException e) {
      // Being interrupted is how following ends: a clean stop, not a failure.
      Thread.currentThread().interrupt();
    }
  }

  /** Prints every event after {@code cursor}, page by page, and returns the new cursor (the last seq seen). */
  private String printNewEvents(AdminClient admin, String cursor, boolean json, PrintWriter out) throws InterruptedException {
    while (true) {
      List<JsonNode> events = new ArrayList<>();
      admin.get(path(cursor, FOLLOW_PAGE)).json().path("events").forEach(events::add);
      if (events.isEmpty()) {
        return cursor;
      }
      if (json) {
        events.forEach(out::println);
      } else {
        CtlOutput.auditTable(events).printRows(out);
      }
      cursor = events.get(events.size() - 1).path("seq").asText();
      if (events.size() < FOLLOW_PAGE) {
        return cursor;
      }
    }
  }

  private String path(String after, Integer max) {
    List<String> query = new ArrayList<>();
    if (model != null) {
      query.add("model=" + encode(model));
    }
    if (alias != null) {
      query.add("alias=" + encode(alias));
    }
    if (after != null) {
      query.add("since=" + encode(after));
    }
    if (max != null) {
      query.add("limit=" + max);
    }
    return "/admin/v1/audit" + (query.isEmpty() ? "" : "?" + String.join("&", query));
  }
}
