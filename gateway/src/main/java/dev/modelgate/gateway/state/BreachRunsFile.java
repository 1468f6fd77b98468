package dev.modelgate.gateway.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelgate.core.rollout.BreachRuns;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The file store's checkpoint of the SLO guard's breach runs ({@link
 * dev.modelgate.core.rollout.GuardMemory}): {@code slo-guard.json} beside the ledger, one entry per
 * alias with runs, e.g.
 * <pre>
 * {"aliases":[{"model":"support-agent","alias":"production","seen_at":"2026-05-01T12:00:03Z","runs":{"v8":1}}]}
 * </pre>
 * A save writes the whole file to a temporary one, forces it to disk and renames it over the old
 * one, so a crash leaves either the old runs or the new, never a torn file.
 *
 * <p>A file that cannot be read is reported (a WARNING naming the file and the problem) and the
 * guard starts without runs, unlike a damaged ledger, which stops start-up: a run is at most
 * {@code breaches_to_revert - 1} failing evaluations, so losing one delays a rollback by that many
 * evaluations, while refusing to start would take down the traffic the guard protects.
 */
final class BreachRunsFile {
  static final String FILE_NAME = "slo-guard.json";
  private static final Logger LOG = Logger.getLogger(BreachRunsFile.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  // model → alias → runs; guarded by this.
  private Map<String, Map<String, BreachRuns>> saved;

  private BreachRunsFile(Path file, Map<String, Map<String, BreachRuns>> saved) {
    this.file = file;
    this.saved = saved;
  }

  /** Reads the checkpoint under {@code dir}, if there is one. */
  static BreachRunsFile open(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    Map<String, Map<String, BreachRuns>> saved = new LinkedHashMap<>();
    if (Files.exists(file)) {
      try {
        for (BreachRuns runs : read(JSON.readTree(file.toFile()))) {
          saved.computeIfAbsent(runs.model(), m -> new LinkedHashMap<>()).put(runs.alias(), runs);
        }
      } catch (IOException | RuntimeException e) {
        saved.clear();
        LOG.warning(file + ": cannot be read, so the SLO guard starts without breach runs: " + e.getMessage());
      }
    }
    return new BreachRunsFile(file, saved);
  }

  synchronized List<BreachRuns> all() {
    List<BreachRuns> all = new ArrayList<>();
    saved.values().forEach(byAlias -> all.addAll(byAlias.values()));
    return all;
  }

  /** Replaces the alias's runs durably; empty runs remove its entry. */
  synchronized void save(BreachRuns runs) throws IOException {
    Map<String, Map<String, BreachRuns>> next = new LinkedHashMap<>();
    saved.forEach((model, byAlias) -> next.put(model, new LinkedHashMap<>(byAlias)));
    Map<String, BreachRuns> byAlias = next.computeIfAbsent(runs.model(), m -> new LinkedHashMap<>());
    if (runs.runs().isEmpty()) {
      byAlias.remove(runs.alias());
    } else {
      byAlias.put(runs.alias(), runs);
    }
    if (byAlias.isEmpty()) {
      next.remove(runs.model());
    }
    write(next);
    saved = next;
  }

  private void write(Map<String, Map<String, BreachRuns>> runs) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode aliases = root.putArray("aliases");
    runs.values().forEach(byAlias -> byAlias.values().forEach(r -> {
      ObjectNode entry = aliases.addObject();
      entry.put("model", r.model());
      entry.put("alias", r.alias());
      entry.put("seen_at", r.seenAt().toString());
      ObjectNode counts = entry.putObject("runs");
      r.runs().forEach(counts::put);
    }));
    Path temporary = file.resolveSibling(FILE_NAME + ".tmp");
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(ByteBuffer.wrap(JSON.writeValueAsBytes(root)));
      channel.force(true);
    }
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    FileLedger.syncDirectory(file.getParent());
  }

  private static List<BreachRuns> read(JsonNode root) {
    JsonNode aliases = root.path("aliases");
    if (!aliases.isArray()) {
      throw new IllegalArgumentException("aliases: missing (expected: an array)");
    }
    List<BreachRuns> all = new ArrayList<>();
    for (int i = 0; i < aliases.size(); i++) {
      JsonNode entry = aliases.get(i);
      String path = "aliases[" + i + "]";
      Map<String, Integer> counts = new LinkedHashMap<>();
      JsonNode runs = entry.path("runs");
      if (!runs.isObject()) {
        throw new IllegalArgumentException(path + ".runs: missing (expected: an object of version to count)");
      }
      runs.fields().forEachRemaining(run -> {
        if (!run.getValue().canConvertToInt()) {
          throw new IllegalArgumentException(path + ".runs." + run.getKey() + ": " + run.getValue() + " (expected: a count)");
        }
        counts.put(run.getKey(), run.getValue().intValue());
      });
      all.add(new BreachRuns(text(entry, path, "model"), text(entry, path, "alias"), Instant.parse(text(entry, path, "seen_at")), counts));
    }
    return all;
  }

  private static String text(JsonNode entry, String path, String key) {
    JsonNode value = entry.path(key);
    if (!value.isTextual()) {
      throw new IllegalArgumentException(path + "." + key + ": missing (expected: a string)");
    }
    return value.asText();
  }
}
