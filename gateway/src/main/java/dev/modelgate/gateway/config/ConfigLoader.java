package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelgate.core.registry.Registry;
import dev.modelgate.core.registry.RegistryRules;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads a config file (docs/configuration.md) into a {@link GatewayConfig}, or fails with every problem in it.
 *
 * <p>Three passes, each collecting rather than stopping: YAML to a tree ({@link YamlTree}: syntax,
 * duplicate keys, aliases), the tree to records ({@link SettingsReader}, {@link RegistryReader}:
 * unknown keys, types, durations, required keys, defaults; each model as soon as its part of the
 * tree is read, so the whole tree of a large registry is never held), and the registry through {@link
 * RegistryRules}, the validation path the admin API and the ledger replay share, for everything
 * about names, weights and versions.
 */
public final class ConfigLoader {
  /**
   * 16 MiB: a model with three versions and two aliases is about 1 KB of YAML, so 10,000 of them
   * fit with room to spare, while a file far beyond any registry is refused before it is parsed.
   */
  public static final int MAX_CHARS = 16 << 20;

  /**
   * The YAML scanner's time grows with the square of one run of characters without a space or
   * line break (it re-copies its window as such a token grows): 1 MiB of it takes seconds, 16 MiB
   * minutes. No value of a real config comes near this.
   */
  public static final int MAX_RUN_CHARS = 128 << 10;

  private ConfigLoader() {}

  /** Loads {@code file}, UTF-8. */
  public static GatewayConfig load(Path file) throws ConfigException {
    requireNonNull(file, "file");
    String yaml;
    try {
      // Refused before reading: a UTF-8 file over the limit in bytes may still fit in characters, so parse checks again.
      long bytes = Files.size(file);
      if (bytes > 4L * MAX_CHARS) {
        throw new ConfigException(file.toString(), List.of("the file is " + bytes + " bytes long (expected: at most " + MAX_CHARS + " characters)"));
      }
      yaml = Files.readString(file);
    } catch (CharacterCodingException e) {
      throw new ConfigException(file.toString(), List.of("the file is not UTF-8 text"));
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot be read: " + e));
    }
    return parse(yaml, file.toString());
  }

  /**
   * Parses config text.
   *
   * @param sourceName what the problems are reported against, usually the file name
   */
  public static GatewayConfig parse(String yaml, String sourceName) throws ConfigException {
    requireNonNull(yaml, "yaml");
    requireNonNull(sourceName, "sourceName");
    if (yaml.length() > MAX_CHARS) {
      // The YAML parser's own code point limit (YamlTree) is this one, so this message is the one a user sees.
      throw new ConfigException(sourceName, List.of("the file is " + yaml.length() + " characters long (expected: at most " + MAX_CHARS + ")"));
    }
    String longRun = longRun(yaml);
    if (longRun != null) {
      throw new ConfigException(sourceName, List.of(longRun));
    }
    Problems problems = new Problems();
    RegistryReader.Models models = new RegistryReader.Models(problems);
    JsonNode root = YamlTree.read(yaml, problems, models::add);
    if (root != null && !root.isObject()) {
      problems.addUnplaced("the top level is " + (root.isNull() ? "empty" : Fields.describe(root))
          + " (expected: a mapping with at least a 'models' key)");
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(sourceName, problems.list());
    }
    Fields top = Fields.of(root, "", "a mapping", problems);
    ServerConfig server = SettingsReader.server(top.mapping("server", "a mapping"));
    StateConfig state = SettingsReader.state(top);
    AuthConfig auth = SettingsReader.auth(top);
    String accessLog = SettingsReader.accessLog(top);
    List<WebhookConfig> webhooks = SettingsReader.webhooks(top);
    Map<String, RegistryConfig> registries = SourceReader.registries(top);
    RegistryReader.Read read = models.read(top);
    Registry registry = read.registry();
    top.finish();
    SourceReader.check(registries, read.sources(), registry, problems);
    problems.addRegistryProblems(RegistryRules.problems(registry));
    if (!problems.isEmpty()) {
      throw new ConfigException(sourceName, problems.list());
    }
    return new GatewayConfig(server, state, auth, accessLog, webhooks, registry, read.deliveries(), read.caches(), registries, read.sources());
  }

  // The first run of characters without a space or line break longer than MAX_RUN_CHARS, described, or null.
  private static String longRun(String yaml) {
    int line = 1;
    int run = 0;
    for (int i = 0; i < yaml.length(); i++) {
      char c = yaml.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        run = 0;
        line += c == '\n' ? 1 : 0;
      } else if (++run > MAX_RUN_CHARS) {
        return "line " + line + ": more than " + MAX_RUN_CHARS + " characters without a space or line break (expected: at most "
            + MAX_RUN_CHARS + " in one value)";
      }
    }
    return null;
  }
}
