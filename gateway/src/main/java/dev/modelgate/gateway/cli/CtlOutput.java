package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The human form of the admin API's answers: what an SRE reads in a terminal; scripts use {@code --json}. */
final class CtlOutput {
  static final String[] AUDIT_HEADER = {"SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "CHANGE", "REASON"};
  // Wide enough for the usual seq, UTC time, token actor, action and model:alias.
  static final int[] AUDIT_WIDTHS = {4, 20, 20, 16, 26, 30, 0};

  // v2 before v10: ids are vN, so the shorter one is the older.
  private static final Comparator<String> VERSION_ORDER = Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());

  private CtlOutput() {}

  /** One row per model:alias; a model without aliases gets a row of its own so it is not missed. */
  static void models(JsonNode body, PrintWriter out) {
    Table table = new Table("MODEL:ALIAS", "REVISION", "STABLE", "WEIGHTS", "VERSIONS");
    for (JsonNode model : body.path("models")) {
      String name = model.path("name").asText();
      List<String> ids = fieldNames(model.path("versions"));
      ids.sort(VERSION_ORDER);
      String versions = String.join(" ", ids);
      if (model.path("aliases").isEmpty()) {
        table.row(name, "-", "-", "-", versions);
      }
      model.path("aliases").properties().forEach(e -> table.row(name + ":" + e.getKey(),
          e.getValue().path("revision").asText(), e.getValue().path("stable").asText(), weights(e.getValue().path("weights")), versions));
    }
    table.print(out);
  }

  /** Each registry's sync, then a row per followed alias: where the registry alias points and what the alias here does. */
  static void registries(JsonNode body, PrintWriter out) {
    if (body.path("registries").isEmpty()) {
      out.println("No registry is configured (registries: in the config file).");
      return;
    }
    boolean first = true;
    for (JsonNode registry : body.path("registries")) {
      if (!first) {
        out.println();
      }
      first = false;
      Table fields = new Table("registry", registry.path("name").asText() + " (" + registry.path("kind").asText() + ", "
          + registry.path("url").asText() + ")");
      fields.row("polling", (registry.path("polling").asBoolean() ? "every " : "by the fleet leader, not this replica, every ") + registry.path("poll_interval").asText()
          + (registry.path("webhooks").asBoolean() ? "; webhooks verified" : "; webhooks off (no webhook_secret_env)"));
      fields.row("last success", registry.path("last_success").asText("never")
          + (registry.hasNonNull("lag_seconds") ? " (" + registry.path("lag_seconds").asText() + " s ago)" : ""));
      fields.row("last error", registry.hasNonNull("last_error")
          ? registry.path("last_error_at").asText() + " " + registry.path("last_error").asText() : "none");
      fields.print(out);
      out.println();
      Table follows = new Table("MODEL:ALIAS", "FOLLOWS", "THERE", "HERE", "ROLLOUT", "LAST SYNC");
      for (JsonNode followed : registry.path("followed")) {
        JsonNode here = followed.path("here");
        follows.row(followed.path("model").asText() + ":" + followed.path("alias").asText(),
            followed.path("path").asText() + "@" + followed.path("registry_alias").asText(),
            followed.hasNonNull("registry_version") ? "version " + followed.path("registry_version").asText() : "unset",
            here.hasNonNull("weights") ? weights(here.path("weights")) + " (stable " + here.path("stable").asText() + ")" : "not synced yet",
            here.hasNonNull("rollout_version") ? here.path("rollout_version").asText() + " " + here.path("rollout_state").asText() : "-",
            followed.hasNonNull("error") ? "error: " + followed.path("error").asText() : followed.path("summary").asText("-"));
      }
      follows.print(out);
      for (JsonNode pending : registry.path("pending_write_backs")) {
        out.println("write-back pending: " + pending.path("what").asText() + " (" + pending.path("attempts").asText() + " attempt(s)"
            + (pending.hasNonNull("last_error") ? ", last: " + pending.path("last_error").asText() : "") + ")");
      }
    }
  }

  /** An alias: its state, then a row per version with the live SLO window when a policy watches it. */
  static void alias(JsonNode alias, PrintWriter out) {
    JsonNode slo = alias.path("slo");
    Table fields = new Table("model", alias.path("model").asText());
    fields.row("alias", alias.path("alias").asText());
    fields.row("revision", alias.path("revision").asText());
    fields.row("stable", alias.path("stable").asText());
    if (alias.hasNonNull("sticky")) {
      fields.row("sticky", alias.path("sticky").asText());
    }
    if (slo.isObject()) {
      fields.row("slo", "error rate <= " + percent(slo.path("max_error_rate").asDouble()) + ", p99 <= " + slo.path("max_p99_latency").asText()
          + " over " + slo.path("window").asText() + ", judged from " + slo.path("min_requests").asText() + " requests");
    }
    fields.print(out);
    out.println();

    Set<String> versions = new LinkedHashSet<>(fieldNames(alias.path("weights")));
    JsonNode live = slo.path("versions");
    // A version the alias no longer sends to still matters while its window holds requests it answered.
    live.properties().forEach(e -> {
      if (e.getValue().path("requests").asLong() > 0) {
        versions.add(e.getKey());
      }
    });
    Table table = slo.isObject() ? new Table("VERSION", "WEIGHT", "ROUTE", "REQUESTS", "ERROR RATE", "P99") : new Table("VERSION", "WEIGHT", "ROUTE");
    for (String version : versions) {
      int share = alias.path("weights").path(version).asInt();
      String weight = share + "%";
      String route = version.equals(alias.path("stable").asText()) ? "stable" : share > 0 ? "canary" : "-";
      if (!slo.isObject()) {
        table.row(version, weight, route);
        continue;
      }
      JsonNode window = live.path(version);
      long requests = window.path("requests").asLong();
      table.row(version, weight, route, Long.toString(requests),
          requests == 0 ? "-" : percent(window.path("error_rate").asDouble()),
          requests == 0 ? "-" : Math.round(window.path("p99_seconds").asDouble() * 1000) + " ms");
    }
    table.print(out);
  }

  /** An alias after a change, on one line: enough to confirm it, {@code alias show} has the rest. */
  static void aliasChanged(JsonNode alias, PrintWriter out) {
    out.println(alias.path("model").asText() + ":" + alias.path("alias").asText() + " is at revision " + alias.path("revision").asText()
        + ": " + weights(alias.path("weights")) + ", stable " + alias.path("stable").asText());
  }

  /** A rollout: where it stands, a progress bar of its steps, the gate against its limits, and when the step can end. */
  static void rollout(JsonNode rollout, PrintWriter out) {
    JsonNode gate = rollout.path("gate");
    Table fields = new Table("rollout", rollout.path("model").asText() + ":" + rollout.path("alias").asText() + " to "
        + rollout.path("version").asText() + " from " + rollout.path("from").asText());
    fields.row("state", rollout.path("state").asText());
    fields.row("position", position(rollout) + "  " + bar(rollout.path("percent").asInt()) + " " + rollout.path("percent").asInt() + "%");
    List<String> steps = new ArrayList<>();
    for (JsonNode step : rollout.path("steps")) {
      boolean approval = false;
      for (JsonNode gated : rollout.path("approval_before")) {
        approval |= gated.asInt() == step.asInt();
      }
      steps.add(step.asInt() + "%" + (approval ? " (approval)" : ""));
    }
    fields.row("steps", String.join(" → ", steps));
    fields.row("gate", !gate.isObject() ? "- (the alias has no slo to judge by)"
        : gate.path("verdict").asText() + ": " + gate.path("requests").asLong() + " of " + gate.path("min_requests").asInt()
        + " requests, error rate " + percent(gate.path("error_rate").asDouble()) + " (max " + percent(gate.path("max_error_rate").asDouble())
        + "), p99 " + Math.round(gate.path("p99_seconds").asDouble() * 1000) + " ms (max "
        + Math.round(gate.path("max_p99_seconds").asDouble() * 1000) + " ms)");
    fields.row("next step", nextStep(rollout));
    fields.row("started", time(rollout.path("started_at").asText()) + " by " + rollout.path("started_by").asText());
    fields.print(out);
  }

  /** The rollout on one line, for a watch whose output is not a terminal. */
  static String rolloutLine(JsonNode rollout) {
    JsonNode gate = rollout.path("gate");
    return rollout.path("model").asText() + ":" + rollout.path("alias").asText() + " " + rollout.path("version").asText() + " "
        + rollout.path("state").asText() + " at " + position(rollout) + " (" + rollout.path("percent").asInt() + "%), gate "
        + gate.path("verdict").asText() + " on " + gate.path("requests").asLong() + "/" + gate.path("min_requests").asInt() + " requests";
  }

  /** Whether nothing moves the rollout any more. */
  static boolean rolloutEnded(JsonNode rollout) {
    return switch (rollout.path("state").asText()) {
      case "completed", "aborted", "rolled_back" -> true;
      default -> false;
    };
  }

  private static String position(JsonNode rollout) {
    return switch (rollout.path("phase").asText()) {
      case "shadow" -> "shadow phase";
      case "segment" -> "segment phase";
      default -> rollout.path("step").asInt() == 0 ? "before step 1" : "step " + rollout.path("step").asInt() + " of " + rollout.path("steps").size();
    };
  }

  private static String bar(int percent) {
    int filled = Math.max(0, Math.min(20, percent / 5));
    return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
  }

  private static String nextStep(JsonNode rollout) {
    String state = rollout.path("state").asText();
    if (!rollout.hasNonNull("next_at")) {
      return state.equals("awaiting_approval") ? "waits for approval" : state.equals("paused") ? "paused" : "-";
    }
    try {
      long seconds = Math.max(0, java.time.Duration.between(Instant.now(), Instant.parse(rollout.path("next_at").asText())).toSeconds());
      return seconds == 0 ? "when the gate passes" : "in " + (seconds >= 60 ? seconds / 60 + "m" + seconds % 60 + "s" : seconds + "s")
          + " at the earliest, if the gate passes";
    } catch (DateTimeException e) {
      return rollout.path("next_at").asText();
    }
  }

  static void version(String model, JsonNode version, boolean created, PrintWriter out) {
    out.println(created ? "registered " + model + " " + version.path("version").asText()
        : model + " " + version.path("version").asText() + " was already registered with this content");
    Table fields = new Table("artifact", version.path("artifact").asText());
    fields.row("served_model", version.path("served_model").asText());
    List<String> endpoints = new ArrayList<>();
    version.path("endpoints").forEach(e -> endpoints.add(e.asText()));
    fields.row("endpoints", String.join(" ", endpoints));
    if (version.hasNonNull("api_key_env")) {
      fields.row("api_key_env", version.path("api_key_env").asText());
    }
    List<String> lineage = new ArrayList<>();
    version.path("lineage").properties().forEach(e -> lineage.add(e.getKey() + "=" + (e.getValue().isTextual() ? e.getValue().textValue() : e.getValue())));
    // The server keeps no order of its own here; sorted, the same version always prints the same.
    lineage.sort(Comparator.naturalOrder());
    fields.row("lineage", lineage.isEmpty() ? "-" : String.join(" ", lineage));
    fields.print(out);
  }

  static Table auditTable(Iterable<JsonNode> events) {
    Table table = new Table(AUDIT_HEADER).minWidths(AUDIT_WIDTHS);
    events.forEach(event -> table.row(auditRow(event)));
    return table;
  }

  private static String[] auditRow(JsonNode event) {
    String model = event.path("model").asText();
    String target = event.hasNonNull("alias") ? model + ":" + event.path("alias").asText() : model;
    String reason = event.hasNonNull("reason") ? event.path("reason").asText() : "-";
    return new String[] {event.path("seq").asText(), time(event.path("time").asText()), event.path("actor").asText(),
        event.path("action").asText(), target, change(event), reason};
  }

  private static String change(JsonNode event) {
    JsonNode before = event.path("before");
    JsonNode after = event.path("after");
    switch (event.path("action").asText()) {
      case "register_version":
        return "+" + after.path("version").asText() + " " + after.path("artifact").asText();
      case "config":
        return before.isObject() && after.isObject() ? "model changed" : after.isObject() ? "model declared" : "model removed";
      default:
        String moved = (before.isObject() ? weights(before.path("weights")) + " " : "") + "→ " + weights(after.path("weights"));
        String stableBefore = before.path("stable").asText(null);
        String stableAfter = after.path("stable").asText();
        return stableBefore == null || stableBefore.equals(stableAfter) ? moved : moved + " (stable " + stableBefore + " → " + stableAfter + ")";
    }
  }

  /** {@code v7 90%, v8 10%} in the server's order. */
  private static String weights(JsonNode weights) {
    List<String> parts = new ArrayList<>();
    weights.properties().forEach(e -> parts.add(e.getKey() + " " + e.getValue().asInt() + "%"));
    return String.join(", ", parts);
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
  }

  // Whole seconds: the ledger's nanoseconds only widen the column.
  private static String time(String iso) {
    try {
      return Instant.parse(iso).truncatedTo(ChronoUnit.SECONDS).toString();
    } catch (DateTimeException e) {
      return iso;
    }
  }
}
