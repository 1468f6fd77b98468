package dev.modelgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random damage to valid config texts must only ever produce a {@link ConfigException} with
 * problems, never another exception: the loader faces hand-edited files, and a stack trace is not
 * an error message.
 */
class ConfigFuzzTest {
  private static final long SEED = 0x6d6f64656c676174L;
  private static final int MUTANTS_PER_TEXT = 3000;

  // YAML punctuation, scalars of every type, edge numbers, names the schema knows, odd characters.
  private static final String[] TOKENS = {
    ":", ": ", "- ", "-", "{", "}", "[", "]", ",", "&a ", "*a", "!!str ", "!!binary ", "!!int ", "\"", "'", "#",
    "\n", "\t", "  ", "---\n", "...\n", "~", "null", "true", "off", "0", "-1", "1.5", "1e99", ".nan", "-.inf",
    "99999999999999999999", "0x1F", "0o17", "v7", "v8", "production", "weights", "stable", "slo", "models",
    "server", "5s", "10m", "1h30m", "0ms", "header:x", "body:", "http://", "é", "\u0000", "\u0007", "\uFEFF", "%",
    "@", "`", "? ", "|\n", ">-\n", "<<: ", "\\", "{}", "[]", "100", "\"\\x\"", "'it''s'",
  };

  @Test
  void damagedFilesOnlyEverFailWithConfigException() throws IOException {
    List<String> texts = List.of(
        ConfigLoaderTest.FULL,
        ConfigLoaderTest.MINIMAL,
        Files.readString(Path.of("..", "config", "gateway.yaml")),
        Files.readString(Path.of("..", "config", "demo.yaml")));
    Random random = new Random(SEED);
    int rejected = 0;
    int total = 0;
    for (String text : texts) {
      for (int i = 0; i < MUTANTS_PER_TEXT; i++) {
        String mutant = mutate(text, random);
        total++;
        try {
          assertThat(ConfigLoader.parse(mutant, "fuzz.yaml")).isNotNull();
        } catch (ConfigException e) {
          rejected++;
          assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(p).isNotBlank());
        } catch (RuntimeException | StackOverflowError e) {
          fail("mutant #" + i + " threw " + e + " instead of ConfigException; text:\n" + mutant, e);
        }
      }
    }
    // Damage that is always harmless would test nothing.
    assertThat(rejected).isGreaterThan(total / 2);
  }

  private static String mutate(String text, Random random) {
    String result = text;
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits; e++) {
      result = mutateOnce(result, random);
    }
    return result;
  }

  private static String mutateOnce(String text, Random random) {
    if (text.isEmpty()) {
      return token(random);
    }
    int at = random.nextInt(text.length());
    switch (random.nextInt(7)) {
      case 0: // delete a span
        return text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(12)));
      case 1: // insert a token
        return text.substring(0, at) + token(random) + text.substring(at);
      case 2: // replace a span with a token
        return text.substring(0, at) + token(random) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(6)));
      case 3: { // duplicate a line
        List<String> lines = lines(text);
        int line = random.nextInt(lines.size());
        lines.add(line, lines.get(line));
        return String.join("\n", lines);
      }
      case 4: { // swap two lines
        List<String> lines = lines(text);
        int a = random.nextInt(lines.size());
        int b = random.nextInt(lines.size());
        String line = lines.get(a);
        lines.set(a, lines.get(b));
        lines.set(b, line);
        return String.join("\n", lines);
      }
      case 5: { // re-indent a line
        List<String> lines = lines(text);
        int line = random.nextInt(lines.size());
        lines.set(line, " ".repeat(random.nextInt(9)) + lines.get(line).strip());
        return String.join("\n", lines);
      }
      default: { // replace the value after a "key: "
        int colon = text.indexOf(": ", at);
        if (colon < 0) {
          return text;
        }
        int end = text.indexOf('\n', colon);
        end = end < 0 ? text.length() : end;
        return text.substring(0, colon + 2) + token(random) + text.substring(end);
      }
    }
  }

  private static String token(Random random) {
    return TOKENS[random.nextInt(TOKENS.length)];
  }

  private static List<String> lines(String text) {
    return new ArrayList<>(Arrays.asList(text.split("\n", -1)));
  }
}
